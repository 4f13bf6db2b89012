/**
 * A dedicated worker that runs RNNoise on the microphone's audio (RNNoise's package refuses to
 * start in an AudioWorklet, docs/on-device-effects.md). It reads the AudioData chunks of the
 * page's MediaStreamTrackProcessor, mixes them to mono, denoises them (denoiser.ts) and writes
 * them to the page's MediaStreamTrackGenerator, whose track the page sends instead of the
 * microphone's.
 */
import { Rnnoise } from "@shiguredo/rnnoise-wasm";
import { Denoiser, RNNOISE_RATE } from "./denoiser.ts";
import { isStartMessage, type WorkerReport } from "./noise-messages.ts";

const report = (message: WorkerReport) => globalThis.postMessage(message);

/** The chunk's channels averaged into one. */
function monoOf(audio: AudioData): Float32Array {
  const n = audio.numberOfFrames;
  const mono = new Float32Array(n);
  const channel = new Float32Array(n);
  for (let c = 0; c < audio.numberOfChannels; c++) {
    audio.copyTo(channel, { planeIndex: c, format: "f32-planar" });
    for (let i = 0; i < n; i++)
      mono[i] = (mono[i] ?? 0) + (channel[i] ?? 0) / audio.numberOfChannels;
  }
  return mono;
}

async function run(readable: ReadableStream<AudioData>, writable: WritableStream<AudioData>) {
  const rnnoise = await Rnnoise.load();
  const state = rnnoise.createDenoiseState();
  const denoiser = new Denoiser((frame) => state.processFrame(frame));
  report({ type: "running" });
  const denoise = new TransformStream<AudioData, AudioData>({
    transform(audio, controller) {
      try {
        // RNNoise's model knows 48 kHz only; other rates pass unchanged.
        if (audio.sampleRate !== RNNOISE_RATE) return controller.enqueue(audio.clone());
        const data = denoiser.push(monoOf(audio));
        controller.enqueue(
          new AudioData({
            format: "f32-planar",
            sampleRate: audio.sampleRate,
            numberOfFrames: data.length,
            numberOfChannels: 1,
            timestamp: audio.timestamp,
            data,
          }),
        );
      } finally {
        audio.close();
      }
    },
  });
  try {
    await readable.pipeThrough(denoise).pipeTo(writable);
  } finally {
    state.destroy();
  }
}

globalThis.addEventListener("message", (event: MessageEvent<unknown>) => {
  if (!isStartMessage(event.data)) {
    report({ type: "failed", reason: "unexpected message" });
    return;
  }
  run(event.data.readable, event.data.writable).catch((error: unknown) =>
    report({ type: "failed", reason: error instanceof Error ? error.message : String(error) }),
  );
});
