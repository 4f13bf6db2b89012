import { ROOM_ID_PATTERN, type RoomId } from "@conclave/protocol";
import { z } from "zod";
import { HARD_FRAME_LIMIT } from "../listeners.ts";

/**
 * The messages between a cluster's primary and its workers (docs/architecture.md "Every core of
 * one machine"), over the child process's IPC channel. Each side parses what it receives with these
 * schemas and drops (and counts) anything else: a worker is trusted no more than a socket. What
 * crosses is what a socket would carry anyway: a connection number, the client's address key, the
 * WebSocket text frames as they are (the worker validates them as client messages, the browser as
 * server messages), room ids and counts. No key or invite secret ever reaches the server, so none
 * can cross; nothing here is logged.
 */

/** The primary's number for one client connection, unique for the primary's life. */
const connection = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A WebSocket text frame, at most what the listener reads; null for a binary frame. */
const frame = z.string().max(HARD_FRAME_LIMIT).nullable();
const roomId = z
  .string()
  .regex(ROOM_ID_PATTERN)
  .transform((id) => id as RoomId);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const toWorkerSchema = z.discriminatedUnion("type", [
  /**
   * A client connection is routed to this worker; its frames follow. `forwardable` (with Redis):
   * not passed on by another node, so its join may be forwarded to the meeting's node.
   */
  z.strictObject({
    type: z.literal("connect"),
    connection,
    address: z.string().min(1).max(64),
    forwardable: z.boolean().optional(),
  }),
  /** With Redis: where other nodes reach this machine (its primary's `/ws`), to announce. */
  z.strictObject({
    type: z.literal("node-url"),
    url: z
      .string()
      .max(300)
      .regex(/^wss?:\/\/[^\s/]+\/ws$/),
  }),
  z.strictObject({ type: z.literal("frame"), connection, text: frame }),
  /** The client's socket closed (or the primary gave it up): the session ends. */
  z.strictObject({ type: z.literal("disconnect"), connection }),
  z.strictObject({ type: z.literal("metrics"), request: count }),
  /** Stop taking joins, wait for the meetings to empty (the drain timeout), close, exit. */
  z.strictObject({ type: z.literal("drain") }),
]);
export type ToWorker = z.infer<typeof toWorkerSchema>;

/**
 * One metric of prom-client's `getMetricsAsJSON()`, as AggregatorRegistry.aggregate reads it;
 * what the sum does not use (exemplars) is dropped.
 */
const metricJson = z.object({
  name: z.string().max(200),
  help: z.string().max(1000),
  type: z.enum(["counter", "gauge", "histogram", "summary"]),
  aggregator: z.enum(["omit", "sum", "first", "min", "max", "average"]),
  values: z
    .array(
      z.object({
        value: z.number(),
        labels: z.record(z.string(), z.union([z.string(), z.number()])),
        metricName: z.string().max(200).optional(),
      }),
    )
    .max(10_000),
});
/** A registry's metrics as JSON (`registry.getMetricsAsJSON()`). */
export const metricsSchema = z.array(metricJson).max(500);
export type MetricsJson = z.infer<typeof metricsSchema>;

export const fromWorkerSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("ready") }),
  z.strictObject({ type: z.literal("send"), connection, text: z.string().max(HARD_FRAME_LIMIT) }),
  z.strictObject({
    type: z.literal("close"),
    connection,
    code: z.number().int().min(1000).max(4999),
    reason: z.string().max(123),
  }),
  z.strictObject({ type: z.literal("terminate"), connection }),
  /**
   * A join routed here was handled: whether it seated the connection (in the meeting or its
   * lobby; if not, the primary takes the connection back) and whether the room is open here now.
   */
  z.strictObject({
    type: z.literal("placed"),
    connection,
    room: roomId,
    open: z.boolean(),
    seated: z.boolean(),
  }),
  /** The meeting closed: nobody left in it. */
  z.strictObject({ type: z.literal("meeting-closed"), room: roomId }),
  /** Once a second: whether it refuses new joins for overload (placement.ts weighs it). */
  z.strictObject({ type: z.literal("load"), overloaded: z.boolean() }),
  z.strictObject({ type: z.literal("metrics"), request: count, metrics: metricsSchema }),
]);
export type FromWorker = z.infer<typeof fromWorkerSchema>;

/** The message, or null when it is not one (the caller counts and drops it). */
export function parseToWorker(raw: unknown): ToWorker | null {
  const parsed = toWorkerSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

export function parseFromWorker(raw: unknown): FromWorker | null {
  const parsed = fromWorkerSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
