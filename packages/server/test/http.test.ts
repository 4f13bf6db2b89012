import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { toBase64url } from "@conclave/protocol";
import { type ServerProcess, startServer } from "./start-server.ts";

describe("http", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
  });

  it("serves the app for / and meeting paths with a strict CSP and no referrer", async () => {
    for (const path of ["/", "/m/AAAAAAAAAAAAAAAAAAAAAA"]) {
      const res = await fetch(server.url + path);
      assert.ok(res.status === 200 || res.status === 503, `${path}: ${res.status}`);
      assert.match(res.headers.get("content-type") ?? "", /text\/html/);
      assert.equal(res.headers.get("referrer-policy"), "no-referrer");
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'self'/);
      // Compiling WebAssembly from this origin is allowed, JavaScript eval is not.
      const scriptSrc = csp.split("; ").find((d) => d.startsWith("script-src"));
      assert.equal(scriptSrc, "script-src 'self' 'wasm-unsafe-eval'");
      assert.doesNotMatch(csp.replace(" 'wasm-unsafe-eval'", ""), /unsafe-inline|unsafe-eval|\*/);
    }
  });

  it("serves the background effect's WebAssembly as application/wasm", async () => {
    const wasm = await fetch(`${server.url}/effects/litert_wasm_internal.wasm`);
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    const model = await fetch(`${server.url}/effects/selfie_segmentation_landscape.tflite`);
    assert.equal(model.status, 200);
    assert.equal((await model.arrayBuffer()).byteLength > 200_000, true);
  });

  it("answers unknown paths and path traversal with 404, and other methods with 405", async () => {
    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
    assert.equal((await fetch(`${server.url}/%2e%2e/%2e%2e/package.json`)).status, 404);
    assert.equal((await fetch(`${server.url}/%E0%A4%A`)).status, 400);
    assert.equal((await fetch(`${server.url}/`, { method: "POST" })).status, 405);
  });

  it("answers a browser's visit to an unknown path with the app's page and 404, a missing file with plain 404", async () => {
    const accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    // The web app is built before the tests (scripts/test.mjs); its index.html is the page.
    const page = await fetch(`${server.url}/no/such/page`, { headers: { accept } });
    assert.equal(page.status, 404);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await page.text(), /<div id="app"|<title>Conclave/);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    const file = await fetch(`${server.url}/assets/missing.js`, { headers: { accept: "*/*" } });
    assert.equal(file.status, 404);
    assert.match(file.headers.get("content-type") ?? "", /text\/plain/);
    const traversal = await fetch(`${server.url}/%2e%2e/%2e%2e/package.json`, {
      headers: { accept },
    });
    assert.equal(traversal.status, 404);
    assert.doesNotMatch(await traversal.text(), /"workspaces"/);
  });

  it("reports health and metrics", async () => {
    assert.equal(await (await fetch(`${server.url}/healthz`)).text(), "ok\n");
    assert.match(
      await (await fetch(`${server.metricsUrl}/metrics`)).text(),
      /conclave_sfu_packets_forwarded_total 0/,
    );
  });

  it("does not serve /metrics on the public port", async () => {
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 404);
    assert.doesNotMatch(await res.text(), /conclave_/);
  });
});

describe("metrics behind a token", () => {
  const token = toBase64url(randomBytes(24));
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ METRICS_ADDRESS: "off", METRICS_TOKEN: token });
  });
  after(async () => {
    await server.stop();
  });

  it("serves /metrics on the public port only with the bearer token", async () => {
    const get = (authorization?: string) =>
      fetch(`${server.url}/metrics`, authorization ? { headers: { authorization } } : {});
    assert.equal((await get()).status, 401);
    assert.equal((await get(`Bearer ${token}x`)).status, 401);
    assert.equal((await get(token)).status, 401, "the token alone is not a bearer token");
    const res = await get(`Bearer ${token}`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /conclave_joins_total 0/);
  });
});
