/**
 * `npm run bench:on-device -- [--frames 60] [--audio-frames 3000]`
 *
 * What the on-device models that npm packages ship would cost a participant's device, measured in
 * Debian's headless Chromium on this machine (docs/on-device-effects.md):
 *   - background segmentation (for blur and replacement), two ways: the app's own effect
 *     (packages/web/src/effects/: the landscape selfie model from @mediapipe/selfie_segmentation
 *     run by LiteRT.js on the CPU at the model's 256x144, then the person composed over a blurred
 *     640x480 background), and MediaPipe's own graph (WebGL) on 640x480 frames for comparison;
 *   - noise suppression: RNNoise from @shiguredo/rnnoise-wasm on 10 ms frames of 48 kHz audio.
 * Both run under the app's CSP plus 'wasm-unsafe-eval' (bench/src/on-device/model-server.ts), so
 * the run also shows that the CSP is all they need. Per model it prints the wall time per frame
 * (median, p90) and the CPU the whole browser used per frame (all its processes, from /proc),
 * against the budget of a real-time stream: one frame interval at 15 fps for video, 10 ms for
 * audio. One JSON object on stdout.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS } from "../../e2e/browser.ts";
import { startModelServer } from "./on-device/model-server.ts";
import { descendantsCpuSeconds } from "./on-device/process-cpu.ts";

const { values } = parseArgs({
  options: {
    frames: { type: "string", default: "60" },
    "audio-frames": { type: "string", default: "3000" },
  },
});
const videoFrames = Number(values.frames);
const audioFrames = Number(values["audio-frames"]);

interface RunResult {
  readonly times: number[];
  readonly [other: string]: unknown;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const round = (n: number) => Math.round(n * 100) / 100;

interface Measured {
  readonly page: Page;
  readonly url: string;
  readonly scripts: readonly string[];
  /** The page's global that has `init()` and `run(frames)`. */
  readonly subject?: string;
  /** Keep the page as it is (the subject shares a page and state with the previous one). */
  readonly samePage?: boolean;
  readonly frames: number;
  readonly budgetMs: number;
}

/** Loads a model page, times its start, then `frames` frames with the browser's CPU around them. */
async function measure({
  page,
  url,
  scripts,
  subject = "bench",
  samePage,
  frames,
  budgetMs,
}: Measured) {
  if (!samePage) {
    await page.goto(url);
    for (const script of scripts) {
      // The bundled pages are ES modules; the packages' own loaders are classic scripts.
      await page.addScriptTag({
        url: script,
        ...(script.startsWith("/bundles/") && { type: "module" }),
      });
    }
    await page.waitForFunction(`globalThis.${subject} !== undefined`);
  }
  const initMs = await page.evaluate(`${subject}.init()`);
  const cpuBefore = descendantsCpuSeconds(process.pid);
  const wallBefore = performance.now();
  const { times, ...checks } = (await page.evaluate(`${subject}.run(${frames})`)) as RunResult;
  const cpuSeconds = descendantsCpuSeconds(process.pid) - cpuBefore;
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const sorted = [...times].sort((a, b) => a - b);
  const medianMs = quantile(sorted, 0.5);
  return {
    frames,
    initMs: round(Number(initMs)),
    medianMs: round(medianMs),
    p90Ms: round(quantile(sorted, 0.9)),
    cpuMsPerFrame: round((cpuSeconds * 1000) / frames),
    /** cores busy while it ran flat out (browser CPU over wall time) */
    coresBusy: round(cpuSeconds / wallSeconds),
    budgetMs,
    realTime: medianMs <= budgetMs,
    ...checks,
  };
}

// The app's effect code, bundled as one page script.
const bundles = await mkdtemp(join(tmpdir(), "conclave-on-device-"));
await build({
  entryPoints: [new URL("./on-device/background-effect-page.js", import.meta.url).pathname],
  bundle: true,
  format: "esm",
  target: "es2023",
  outfile: join(bundles, "background-effect-page.js"),
  logLevel: "warning",
});
const server = await startModelServer(bundles);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
const errors: string[] = [];
try {
  const page = await (await browser.newContext()).newPage();
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  const url = `${server.url}/`;
  const effectPage = { page, url, scripts: ["/bundles/background-effect-page.js"] };
  // Half a frame interval at 15 fps: what the app's switch-off allows (effects/effect-timing.ts).
  const halfFrame = 1000 / 15 / 2;
  const segmentationOnCpu = await measure({
    ...effectPage,
    frames: videoFrames,
    budgetMs: halfFrame,
  });
  const compositing = await measure({
    ...effectPage,
    subject: "compositing",
    samePage: true,
    frames: videoFrames,
    budgetMs: halfFrame,
  });
  const compositingHd = await measure({
    ...effectPage,
    subject: "compositingHd",
    samePage: true,
    frames: videoFrames,
    budgetMs: halfFrame,
  });
  const segmentation = await measure({
    page,
    url,
    scripts: ["/selfie/selfie_segmentation.js", "/bench/segmentation-page.js"],
    frames: videoFrames,
    budgetMs: 1000 / 15,
  });
  const noiseSuppression = await measure({
    page,
    url,
    scripts: ["/bench/rnnoise-page.js"],
    frames: audioFrames,
    budgetMs: 10,
  });
  const { loadavg, cpus } = await import("node:os");
  console.log(
    JSON.stringify(
      {
        machine: { cores: cpus().length, loadAverage1m: round(loadavg()[0] ?? 0) },
        segmentationOnCpu,
        compositing,
        compositingHd,
        segmentationMediaPipeWebGl: segmentation,
        noiseSuppression,
        cspViolations: errors.filter((e) => /Content Security Policy/i.test(e)),
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await server.close();
  await rm(bundles, { recursive: true, force: true });
}
