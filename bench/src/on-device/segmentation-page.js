// Runs in the benchmark's Chromium page (bench/src/on-device-models.ts): MediaPipe's selfie
// segmentation, shipped with its model in @mediapipe/selfie_segmentation, on a 640x480 canvas
// that shows a head and shoulders moving over a plain background.
const source = document.getElementById("source");
const context = source.getContext("2d");

function draw(i) {
  context.fillStyle = "#3a6f9a";
  context.fillRect(0, 0, 640, 480);
  context.fillStyle = "#e8c4a0";
  context.beginPath();
  context.arc(320 + 30 * Math.sin(i / 6), 200, 100, 0, 2 * Math.PI);
  context.fill();
  context.fillStyle = "#40444c";
  context.fillRect(170 + 30 * Math.sin(i / 6), 320, 300, 160);
}

let segmenter;
let last;

/** The mask's value (0-255) at a point of the 640x480 frame. */
function maskAt(x, y) {
  const probe = document.createElement("canvas");
  probe.width = 64;
  probe.height = 48;
  const c = probe.getContext("2d", { willReadFrequently: true });
  c.drawImage(last.segmentationMask, 0, 0, 64, 48);
  return c.getImageData(Math.floor(x / 10), Math.floor(y / 10), 1, 1).data[0];
}

globalThis.bench = {
  async init() {
    const started = performance.now();
    segmenter = new globalThis.SelfieSegmentation({ locateFile: (file) => `/selfie/${file}` });
    segmenter.setOptions({ modelSelection: 1 });
    segmenter.onResults((results) => {
      last = results;
    });
    await segmenter.initialize();
    draw(0);
    await segmenter.send({ image: source });
    return performance.now() - started;
  },
  async run(frames) {
    const times = [];
    for (let i = 0; i < frames; i++) {
      draw(i);
      const started = performance.now();
      await segmenter.send({ image: source });
      times.push(performance.now() - started);
    }
    return { times, person: maskAt(320, 240), background: maskAt(20, 20) };
  },
};
