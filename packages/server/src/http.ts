import { createHash, timingSafeEqual } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";

/**
 * Strict CSP (DESIGN.md T7/T8): only this origin's own scripts, styles, workers and connections;
 * no third party can be loaded, and a page never sends a Referer that would leak the room path.
 * `'wasm-unsafe-eval'` lets the page compile WebAssembly it loaded from this origin (the
 * background effect's model runtime, docs/on-device-effects.md); it does not allow JavaScript
 * `eval`.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(self), microphone=(self), display-capture=(self), geolocation=()",
};

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
  ".tflite": "application/octet-stream",
};

/** Paths that show the app; everything else is a file under the web root or a 404. */
const APP_ROUTES = /^\/(m\/[A-Za-z0-9_-]{1,64})?$/;

const NOT_BUILT = `<!doctype html><title>Conclave</title><p>The web app is not built yet. Run <code>npm run build</code> (or <code>npm start</code>, which builds it) and reload.</p>`;

const healthy = (res: ServerResponse) => {
  res.writeHead(200, { "Content-Type": "text/plain" }).end("ok\n");
};
const notFound = (res: ServerResponse) => {
  res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not found\n");
};

/** A browser navigating to a page (not fetching a file for one) asks for HTML first. */
const wantsPage = (req: IncomingMessage) => /^text\/html\b/.test(req.headers.accept ?? "");

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Whether the request carries `Authorization: Bearer <token>`, compared in constant time. */
function bearerIs(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * What /metrics serves: one process's registry (metrics.ts), or the sum of a cluster's workers
 * (cluster/cluster-metrics.ts).
 */
export interface MetricsText {
  readonly contentType: string;
  text(): Promise<string>;
}

async function sendMetrics(res: ServerResponse, metrics: MetricsText): Promise<void> {
  const text = await metrics.text();
  res.writeHead(200, { "Content-Type": metrics.contentType });
  res.end(text);
}

/**
 * The metrics listener (METRICS_ADDRESS, loopback by default): /metrics and /healthz, nothing
 * else, for the monitoring network only (docs/operations.md "Metrics").
 */
export function createMetricsHandler(metrics: MetricsText): Handler {
  return async (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
    } else if (path === "/metrics") {
      await sendMetrics(res, metrics);
    } else if (path === "/healthz") {
      healthy(res);
    } else {
      notFound(res);
    }
  };
}

/**
 * The public listener: the app, /healthz, and /metrics only with METRICS_TOKEN as a bearer token
 * (without the token it is not served here at all).
 */
export function createRequestHandler(
  webRoot: string,
  tls: boolean,
  metrics: { readonly metrics: MetricsText; readonly token: string | null },
): Handler {
  const root = normalize(webRoot + sep);

  async function sendFile(
    res: ServerResponse,
    path: string,
    cache: string,
    status = 200,
  ): Promise<boolean> {
    try {
      const info = await stat(path);
      if (!info.isFile()) return false;
      const body = await readFile(path);
      res.writeHead(status, {
        "Content-Type": TYPES[extname(path)] ?? "application/octet-stream",
        "Cache-Control": cache,
        "Content-Length": body.length,
      });
      res.end(body);
      return true;
    } catch {
      return false;
    }
  }

  return async (req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (tls) res.setHeader("Strict-Transport-Security", "max-age=31536000");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/healthz") return healthy(res);
    if (path === "/metrics" && metrics.token !== null) {
      if (bearerIs(req, metrics.token)) await sendMetrics(res, metrics.metrics);
      else res.writeHead(401, { "WWW-Authenticate": "Bearer" }).end();
      return;
    }
    if (APP_ROUTES.test(path)) {
      if (!(await sendFile(res, join(root, "index.html"), "no-cache"))) {
        res.writeHead(503, { "Content-Type": "text/html; charset=utf-8" }).end(NOT_BUILT);
      }
      return;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" }).end("Bad path\n");
      return;
    }
    const file = normalize(join(root, decoded));
    // Hashed build assets never change; everything else is revalidated.
    const cache = path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    if (file.startsWith(root) && (await sendFile(res, file, cache))) return;
    // A person who follows a wrong address gets the app's own "Page not found" (ui/not-found.tsx),
    // still with status 404; a script, style or image that is missing gets a plain 404.
    if (wantsPage(req) && (await sendFile(res, join(root, "index.html"), "no-cache", 404))) return;
    notFound(res);
  };
}
