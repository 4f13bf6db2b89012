/**
 * Starting the server as a new user would: what it prints for people, and what a busy port says.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type ServerProcess, startServer } from "./start-server.ts";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

describe("starting the server", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ HOST: "0.0.0.0" });
  });
  after(async () => {
    await server.stop();
  });

  it("prints the addresses to open here and from other machines, beside its JSON logs", () => {
    const text = server.logs.join("\n");
    assert.match(text, new RegExp(`http://localhost:${server.port} +camera and microphone work`));
    assert.match(text, /"msg":"listening"/, "the JSON log line for operators stays");
  });

  it("on a busy port, stops with one line that names the variable to change, and leaves no worker behind", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
      env: { ...process.env, PORT: String(server.port), METRICS_ADDRESS: "off", WORKERS: "2" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    // Its workers share its stderr: the pipe closes only once none of them is left running.
    const closed = once(child.stderr as NodeJS.ReadableStream, "close");
    const [code] = await once(child, "exit");
    assert.equal(code, 2);
    const leftover = await Promise.race([
      closed.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 10_000)),
    ]);
    if (leftover) child.stderr?.destroy(); // so this file can still end
    assert.equal(leftover, false, "no worker process outlives the failed start");
    const lines = stderr.trim().split("\n");
    assert.equal(lines.length, 1, `one line, no stack trace: ${stderr}`);
    assert.match(lines[0] ?? "", new RegExp(`port ${server.port} is already in use.*set PORT`));
  });
});
