// Runs in the benchmark's Chromium page (bench/src/on-device-models.ts): RNNoise from
// @shiguredo/rnnoise-wasm (its trained weights are compiled into the WebAssembly) on 10 ms
// frames of 48 kHz audio: a tone in noise, in 16-bit sample units as RNNoise expects.
let state;
let frameSize = 480;

globalThis.bench = {
  async init() {
    const started = performance.now();
    const { Rnnoise } = await import("/rnnoise/rnnoise.js");
    const rnnoise = await Rnnoise.load();
    frameSize = rnnoise.frameSize;
    state = rnnoise.createDenoiseState();
    return performance.now() - started;
  },
  async run(frames) {
    const frame = new Float32Array(frameSize);
    let seed = 1;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648 - 0.5;
    };
    const times = [];
    let inEnergy = 0;
    let outEnergy = 0;
    for (let i = 0; i < frames; i++) {
      for (let j = 0; j < frameSize; j++) {
        frame[j] = 3000 * noise();
        inEnergy += frame[j] * frame[j];
      }
      const started = performance.now();
      state.processFrame(frame);
      times.push(performance.now() - started);
      for (let j = 0; j < frameSize; j++) outEnergy += frame[j] * frame[j];
    }
    return { times, frameSize, noiseLeft: outEnergy / inEnergy };
  },
};
