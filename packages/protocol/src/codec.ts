import type { z } from "zod";
import { ProtocolError } from "./errors.ts";
import {
  CLIENT_MESSAGE_TYPES,
  type ClientMessage,
  ClientMessageSchema,
  MAX_MESSAGE_BYTES,
  type ServerMessage,
  ServerMessageSchema,
} from "./messages.ts";

const encoder = new TextEncoder();

function parseWith<T>(schema: z.ZodType<T>, knownTypes: readonly string[] | null, raw: string): T {
  if (encoder.encode(raw).byteLength > MAX_MESSAGE_BYTES) {
    throw new ProtocolError("TOO_LARGE", `message exceeds ${MAX_MESSAGE_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ProtocolError("BAD_JSON", "message is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolError("BAD_MESSAGE", "message must be a JSON object");
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string") throw new ProtocolError("BAD_MESSAGE", "message has no type");
  if (knownTypes && !knownTypes.includes(type)) {
    throw new ProtocolError("UNKNOWN_TYPE", `unknown message type "${type.slice(0, 40)}"`);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "message";
    throw new ProtocolError("BAD_MESSAGE", `${type}: ${where}: ${issue?.message ?? "invalid"}`);
  }
  return result.data;
}

/** Parses and validates one message from a client. Throws ProtocolError with a code. */
export function parseClientMessage(raw: string): ClientMessage {
  return parseWith(ClientMessageSchema, CLIENT_MESSAGE_TYPES, raw);
}

/** Parses and validates one message from the server. Throws ProtocolError with a code. */
export function parseServerMessage(raw: string): ServerMessage {
  return parseWith(ServerMessageSchema, null, raw);
}

export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}
