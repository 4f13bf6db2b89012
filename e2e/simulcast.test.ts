/**
 * Each receiver gets the layer its downlink takes (docs/media-adaptation.md): Alice publishes her
 * camera in three simulcast layers; Bob, on this machine, receives the top one; Carol, on another
 * machine (a network namespace) whose downlink is capped at 300 kbit/s, keeps moving video from a
 * lower layer. Without simulcast, or with one layer choice for everyone, Carol would get Bob's
 * resolution through a link too narrow for it, and this test fails. Needs root; skipped without.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { type ServerProcess, startServer } from "../packages/server/test/start-server.ts";
import {
  expectVideoFlowing,
  joinMeeting,
  newMeetingLink,
  newParticipant,
  type Participant,
  tile,
  videoFrames,
  waitFor,
} from "./browser.ts";
import { pinnedBrowsers } from "./lan-meeting.ts";
import { cannotMakeNamespaces, NetworkNamespace } from "./network-namespace.ts";

const skip = cannotMakeNamespaces() ?? false;

/** The width of the video a tile shows now (what the receiver decodes). */
function videoWidth(page: Page, name: string): Promise<number> {
  return tile(page, name)
    .locator("video")
    .evaluate((video) => (video as unknown as { videoWidth: number }).videoWidth);
}

/** Frames per second a tile presents, over `ms`. */
async function frameRate(page: Page, name: string, ms: number): Promise<number> {
  const before = await videoFrames(page, name);
  const start = Date.now();
  await waitFor(
    `${ms} ms of ${name}'s video`,
    async () => Date.now() - start >= ms,
    ms + 1000,
    250,
  );
  return ((await videoFrames(page, name)) - before) / ((Date.now() - start) / 1000);
}

describe("simulcast: a layer per receiver", { skip }, () => {
  let lan: NetworkNamespace;
  let server: ServerProcess;
  let dataDir: string;
  let here: Browser;
  let there: Browser;
  const pages: Participant[] = [];

  before(async () => {
    lan = NetworkNamespace.create();
    dataDir = mkdtempSync(join(tmpdir(), "conclave-data-"));
    server = await startServer({
      HOST: lan.hostAddress,
      HTTPS: "self-signed",
      DATA_DIR: dataDir,
      ADAPT_DEBUG: "1",
    });
    ({ here, there } = await pinnedBrowsers(lan, [
      readFileSync(join(dataDir, "tls", "cert.pem"), "utf8"),
    ]));
  });

  after(async () => {
    for (const p of pages) await p.context.close().catch(() => {});
    await here?.close();
    await lan?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function joinFrom(browser: Browser, link: string, name: string): Promise<Page> {
    const p = await newParticipant(browser);
    pages.push(p);
    await joinMeeting(p.page, link, name);
    return p.page;
  }

  test("a receiver on a 300 kbit/s downlink keeps moving video at a lower layer while another gets a higher one", async () => {
    const site = `https://${lan.hostAddress}:${server.port}`;
    const first = await newParticipant(here);
    pages.push(first);
    const link = await newMeetingLink(first.page, site);
    await joinMeeting(first.page, link, "Alice");
    const bob = await joinFrom(here, link, "Bob");
    lan.capDownlink(300);
    const carol = await joinFrom(there, link, "Carol");
    await expectVideoFlowing(bob, "Alice");
    await expectVideoFlowing(carol, "Alice", 30_000);

    // Both decode Alice at once, Carol at fewer pixels than Bob: her own layer, not Bob's.
    const widths = await waitFor(
      "Carol to decode a lower layer of Alice than Bob does",
      async () => {
        const [b, c] = [await videoWidth(bob, "Alice"), await videoWidth(carol, "Alice")];
        return b > 0 && c > 0 && c < b ? { bob: b, carol: c } : false;
      },
      40_000,
      500,
    );
    const carolFps = await frameRate(carol, "Alice", 5000);
    console.log(
      `# Alice's video: Bob decodes ${widths.bob} px wide, Carol (300 kbit/s) ${widths.carol} px at ${carolFps.toFixed(1)} fps`,
    );
    assert.ok(carolFps >= 10, `Carol's video keeps moving (${carolFps.toFixed(1)} fps)`);
  });
});
