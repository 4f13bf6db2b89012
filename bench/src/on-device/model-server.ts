/**
 * Serves the model packages' files from node_modules on loopback, under the app's CSP
 * (packages/server/src/http.ts), which has the one addition a WebAssembly model needs:
 * `'wasm-unsafe-eval'` in script-src (it allows compiling WebAssembly, not JavaScript eval).
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { SECURITY_HEADERS } from "../../../packages/server/src/http.ts";

const require = createRequire(import.meta.url);

const selfie = dirname(require.resolve("@mediapipe/selfie_segmentation/package.json"));
const litertWasm = join(dirname(require.resolve("@litertjs/core/package.json")), "wasm");

/** URL prefix → the folders it serves, first match wins. */
const ROOTS: Readonly<Record<string, readonly string[]>> = {
  "/selfie/": [selfie],
  // What the app serves under /effects/ (packages/web/vite.config.ts): the model and LiteRT.js.
  "/effects/": [selfie, litertWasm],
  // An import-only package: resolved as an ES module.
  "/rnnoise/": [dirname(fileURLToPath(import.meta.resolve("@shiguredo/rnnoise-wasm")))],
  "/bench/": [dirname(fileURLToPath(import.meta.url))],
};

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
};

export const MODEL_CSP = SECURITY_HEADERS["Content-Security-Policy"] ?? "";

const PAGE = `<!doctype html><html lang="en"><title>on-device models</title>
<canvas id="source" width="640" height="480"></canvas></html>`;

export interface ModelServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the server; `bundles` is a folder served under /bundles/ (pages built for the run). */
export async function startModelServer(bundles?: string): Promise<ModelServer> {
  const roots: Record<string, readonly string[]> = { ...ROOTS };
  if (bundles) roots["/bundles/"] = [bundles];
  const server: Server = createServer(async (req, res) => {
    res.setHeader("Content-Security-Policy", MODEL_CSP);
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/") {
      res.writeHead(200, { "Content-Type": TYPES[".html"] }).end(PAGE);
      return;
    }
    const prefix = Object.keys(roots).find((p) => path.startsWith(p));
    for (const root of prefix === undefined ? [] : (roots[prefix] ?? [])) {
      const file = normalize(join(root, path.slice(prefix?.length)));
      if (!file.startsWith(root + sep)) continue;
      const body = await readFile(file).catch(() => undefined);
      if (body === undefined) continue;
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
