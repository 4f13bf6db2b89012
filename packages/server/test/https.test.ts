import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { get } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import { type ServerProcess, startServer } from "./start-server.ts";

describe("https", () => {
  let server: ServerProcess;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "conclave-tls-"));
    const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
    server = await startServer({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
  });
  after(async () => {
    await server.stop();
  });

  it("serves HTTPS with HSTS and WSS signalling when given a certificate and key", async () => {
    const url = `https://127.0.0.1:${server.port}/healthz`;
    const { status, hsts } = await new Promise<{ status: number; hsts: unknown }>(
      (resolve, reject) => {
        get(url, { rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, hsts: res.headers["strict-transport-security"] });
        }).on("error", reject);
      },
    );
    assert.equal(status, 200);
    assert.match(String(hsts), /max-age=/);
    const ws = new WebSocket(`wss://127.0.0.1:${server.port}/ws`, { rejectUnauthorized: false });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on("open", () => ws.send("{}"));
      ws.on("message", (data) => resolve(data.toString()));
      ws.on("error", reject);
    });
    assert.equal(JSON.parse(reply).code, "BAD_MESSAGE");
    ws.close();
  });
});
