/**
 * Noise suppression beyond the browser's: RNNoise, on the device, before encryption. The
 * microphone's track goes through a MediaStreamTrackProcessor to a dedicated worker
 * (noise-suppression-worker.ts) and comes back as a MediaStreamTrackGenerator track, which the
 * page sends instead; the E2EE worker then encrypts the denoised audio. Only where the browser has
 * both on the page (Chromium): elsewhere (Firefox) the browser's own suppression is all there is.
 */
import { breakoutBox } from "./breakout-box.ts";
import { isWorkerReport } from "./noise-messages.ts";

export interface NoiseSuppression {
  /** The denoised track, to send and show instead of the microphone's. */
  readonly track: MediaStreamTrack;
  /** Settles when RNNoise runs; rejects with the reason when it could not start. */
  readonly running: Promise<void>;
  /** Called at most once, if RNNoise stops after it started. */
  onFailure: (reason: string) => void;
  stop(): void;
}

export function canSuppressNoise(): boolean {
  return breakoutBox() !== undefined && typeof Worker === "function";
}

export function startNoiseSuppression(mic: MediaStreamTrack): NoiseSuppression {
  const box = breakoutBox();
  if (!box) throw new Error("this browser cannot process microphone audio on the page");
  const processor = new box.Processor<AudioData>({ track: mic });
  const generator = new box.Generator<AudioData>({ kind: "audio" });
  const worker = new Worker(new URL("./noise-suppression-worker.ts", import.meta.url), {
    type: "module",
    name: "noise-suppression",
  });
  let started = false;
  const suppression: NoiseSuppression = {
    track: generator,
    running: new Promise<void>((resolve, reject) => {
      worker.addEventListener("message", (event: MessageEvent<unknown>) => {
        const report = event.data;
        if (!isWorkerReport(report)) return;
        if (report.type === "running") {
          started = true;
          resolve();
        } else if (started) suppression.onFailure(report.reason);
        else reject(new Error(report.reason));
      });
      worker.addEventListener("error", (event) => {
        if (started) suppression.onFailure(event.message);
        else reject(new Error(event.message || "the noise suppression worker failed to load"));
      });
    }),
    onFailure: () => {},
    stop() {
      worker.terminate();
      generator.stop();
    },
  };
  const { readable } = processor;
  const { writable } = generator;
  worker.postMessage({ type: "start", readable, writable }, [readable, writable]);
  return suppression;
}
