import { pino } from "pino";

/**
 * One JSON line per lifecycle change at `info` (docs/operations.md). Never log a key, the server
 * key, a display name, SDP or message content: call sites pass ids and counts only.
 */
export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({ level, base: { name: "conclave" } });
}

/** A short, stable tag for a room in logs, so operators can follow one without the full id. */
export function roomTag(roomId: string): string {
  return roomId.slice(0, 6);
}
