import type { ClientMessage, ServerMessage } from "@conclave/protocol";
import type { InterceptedConnection } from "../interception.ts";

/** One connection as an attack sees it; its `send` goes past every attack. */
export type AttackedSession = InterceptedConnection;

/**
 * One way a hostile server misbehaves. Each hook sits where the real server would do the honest
 * thing; a hook that does not apply returns its input unchanged. `applied` counts (and logs) each
 * time the attack actually changed something, so a test can tell an attack that was resisted from
 * one that never happened.
 */
export interface Attack {
  /** A client's message before the server handles it: the message to handle, or null for none. */
  inbound?(
    from: AttackedSession,
    message: ClientMessage,
    applied: () => void,
  ): ClientMessage | null | Promise<ClientMessage | null>;
  /** A message on its way to `to`: what to send instead (none, it, or others). */
  outbound?(to: AttackedSession, message: ServerMessage, applied: () => void): ServerMessage[];
  /** An RTP packet before it is forwarded: the bytes to forward instead, or null to drop it. */
  packet?(
    room: string,
    publisher: string,
    kind: "audio" | "video",
    packet: Buffer,
    applied: () => void,
  ): Buffer | null;
}
