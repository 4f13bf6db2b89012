/**
 * The messages between the page and the noise suppression worker (noise-suppression-worker.ts),
 * checked on arrival like any other boundary: the page hands over the microphone's audio stream
 * and the stream to write to; the worker says when RNNoise is running, or why it stopped.
 */

export interface StartMessage {
  readonly type: "start";
  readonly readable: ReadableStream<AudioData>;
  readonly writable: WritableStream<AudioData>;
}

export type WorkerReport =
  | { readonly type: "running" }
  | { readonly type: "failed"; readonly reason: string };

export function isStartMessage(data: unknown): data is StartMessage {
  if (typeof data !== "object" || data === null) return false;
  const m = data as Record<string, unknown>;
  return (
    m.type === "start" &&
    m.readable instanceof ReadableStream &&
    m.writable instanceof WritableStream
  );
}

export function isWorkerReport(data: unknown): data is WorkerReport {
  if (typeof data !== "object" || data === null) return false;
  const m = data as Record<string, unknown>;
  return m.type === "running" || (m.type === "failed" && typeof m.reason === "string");
}
