/**
 * A Vite plugin that serves and copies the background effect's files under /effects/: the
 * segmentation model from @mediapipe/selfie_segmentation and LiteRT.js's WebAssembly runtime
 * (src/effects/segmenter.ts). They come from the installed packages, never from the network.
 */
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Plugin } from "vite";

const require = createRequire(import.meta.url);
const selfie = dirname(require.resolve("@mediapipe/selfie_segmentation/package.json"));
const litert = join(dirname(require.resolve("@litertjs/core/package.json")), "wasm");

/** File name → where it is installed. LiteRT picks the relaxed-SIMD build or the compat one. */
const FILES: Readonly<Record<string, string>> = {
  "selfie_segmentation_landscape.tflite": selfie,
  "litert_wasm_internal.js": litert,
  "litert_wasm_internal.wasm": litert,
  "litert_wasm_compat_internal.js": litert,
  "litert_wasm_compat_internal.wasm": litert,
};

const PREFIX = "/effects/";

export function effectAssets(): Plugin {
  let outDir = "dist";
  return {
    name: "conclave-effect-assets",
    configResolved(config) {
      outDir = join(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use(async (req, res, next) => {
        const name = req.url?.startsWith(PREFIX) ? req.url.slice(PREFIX.length) : undefined;
        const folder = name === undefined ? undefined : FILES[name];
        if (name === undefined || folder === undefined) return next();
        const type = name.endsWith(".wasm") ? "application/wasm" : "text/javascript";
        res.setHeader("Content-Type", name.endsWith(".tflite") ? "application/octet-stream" : type);
        res.end(await readFile(join(folder, name)));
      });
    },
    async writeBundle() {
      await mkdir(join(outDir, "effects"), { recursive: true });
      for (const [name, folder] of Object.entries(FILES)) {
        await copyFile(join(folder, name), join(outDir, "effects", name));
      }
    },
  };
}
