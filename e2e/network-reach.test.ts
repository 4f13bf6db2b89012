/**
 * Reaching a meeting from another machine (docs/operations.md "Beyond localhost"): the other
 * machine is a network namespace joined to this one by a veth pair, with its own address and
 * firewall, and a Chromium inside it. The server is reached at this machine's address on that
 * network, over HTTPS with the certificate it made for itself; the other participant is a
 * Chromium on this machine. With UDP blocked, media goes over ICE-TCP to the server's own ports;
 * when the other machine's address changes mid-call, its video comes back within 5 s.
 * Needs root (CI has it); skipped without.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { ServerProcess } from "../packages/server/test/start-server.ts";
import {
  browserSuite,
  expectVideoFlowing,
  joinMeeting,
  newMeetingLink,
  newParticipant,
  type Participant,
  startServerBesideBrowsers,
  videoFrames,
  waitFor,
} from "./browser.ts";
import { meetAcross, NO_UDP, pinnedBrowsers, settledPath } from "./lan-meeting.ts";
import { cannotMakeNamespaces, NetworkNamespace } from "./network-namespace.ts";

const skip = cannotMakeNamespaces() ?? false;

describe("reaching a meeting from another machine", { skip }, () => {
  let lan: NetworkNamespace;
  let server: ServerProcess;
  let dataDir: string;
  let site: string;
  let here: Browser;
  let there: Browser;
  const pages: Participant[] = [];

  before(async () => {
    lan = NetworkNamespace.create();
    dataDir = mkdtempSync(join(tmpdir(), "conclave-data-"));
    // This machine's address on the network, port 443: what a web-only firewall lets through.
    server = await startServerBesideBrowsers({
      HOST: lan.hostAddress,
      PORT: "443",
      HTTPS: "self-signed",
      DATA_DIR: dataDir,
    });
    site = `https://${lan.hostAddress}`;
    // A person checks the fingerprint and accepts the certificate once; the test pins its key.
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

  async function participant(browser: Browser): Promise<Participant> {
    const p = await newParticipant(browser);
    pages.push(p);
    return p;
  }

  test("a Chromium on another machine opens the LAN address over the server's own certificate, creates a meeting and joins", async () => {
    const fingerprint = new X509Certificate(readFileSync(join(dataDir, "tls", "cert.pem"), "utf8"))
      .fingerprint256;
    assert.ok(
      server.logs.some((line) => line.trim() === fingerprint),
      "the start banner prints the certificate's fingerprint for people to compare",
    );
    const bob = await participant(there);
    const link = await newMeetingLink(bob.page, site);
    assert.ok(link.startsWith(`${site}/m/`), `the meeting is at the LAN address: ${link}`);
    await joinMeeting(bob.page, link, "Bob");
    const alice = await participant(here);
    await joinMeeting(alice.page, link, "Alice");
    await expectVideoFlowing(bob.page, "Alice");
    await expectVideoFlowing(alice.page, "Bob");
    for (const p of pages.splice(0)) await p.context.close();
  });

  test("with UDP blocked and no relay, a Chromium on another machine reaches the media server over ICE-TCP", async () => {
    lan.firewall(NO_UDP);
    const { bob } = await meetAcross({ here, there }, site, pages);
    assert.equal(await settledPath(bob), "Sending direct, TCP; receiving direct, TCP");
    for (const p of pages.splice(0)) await p.context.close();
  });

  // The media connections are kept across the new signalling connection and restart ICE from the
  // new address (docs/protocol.md "Reconnecting").
  test("a participant whose address changes mid-call has video back within 5 s", async (t) => {
    lan.firewall("");
    const alice = await participant(here);
    const link = await newMeetingLink(alice.page, site);
    await joinMeeting(alice.page, link, "Alice");
    const bob = await participant(there);
    await joinMeeting(bob.page, link, "Bob");
    await expectVideoFlowing(bob.page, "Alice");
    await expectVideoFlowing(alice.page, "Bob");
    const movedAt = Date.now();
    lan.moveTo();
    const back = await Promise.all([
      videoBack(bob.page, "Alice", movedAt),
      videoBack(alice.page, "Bob", movedAt),
    ]);
    t.diagnostic(`video back after ${back.join(" ms (Bob sees Alice) and ")} ms (Alice sees Bob)`);
    assert.ok(Math.max(...back) <= 5000, `video back after ${back.join(" and ")} ms`);
  });
});

/**
 * Ms from `since` until the tile's video, having stalled (no new frame for 300 ms, or a new
 * element counting from zero), shows frames again; a video that never stalls is back at once.
 */
async function videoBack(page: Page, name: string, since: number): Promise<number> {
  let last = await videoFrames(page, name).catch(() => 0);
  let lastChange = Date.now();
  let stalledAt: number | null = null;
  return waitFor(
    `${name}'s video back after the move`,
    async () => {
      const now = await videoFrames(page, name).catch(() => 0);
      const t = Date.now();
      if (stalledAt === null && (now < last || (now === last && t - lastChange >= 300))) {
        stalledAt = now < last ? -1 : now;
      }
      if (now !== last) lastChange = t;
      last = now;
      if (stalledAt === null) return t - since > 2000 ? 0 : false;
      return now >= Math.max(stalledAt, 0) + 3 ? t - since : false;
    },
    20_000,
    50,
  );
}

/** An address of this machine that browsers do not treat as secure over http. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry?.family === "IPv4" && !entry.internal)?.address;

describe("an address that is not secure", { skip: lanAddress ? false : "no LAN address" }, () => {
  const suite = browserSuite({ HOST: "0.0.0.0" });

  test("a meeting link opened over http at a LAN address says so, offers the https address, and leads home", async () => {
    const { page } = await suite.participant();
    const insecure = `http://${lanAddress}:${suite.server.port}`;
    const link = `${insecure}/m/nwjER9noSipbZJdQVfx6-A#Ct2yLO0D7IuovrV6e3GA7E4KHGlLA-2m6ETVn56mw8g`;
    await page.goto(link);
    await page.getByRole("heading", { name: "Open this meeting over https" }).waitFor();
    const alert = page.getByRole("alert");
    await alert.getByText(insecure, { exact: true }).waitFor();
    const https = link.replace("http:", "https:");
    assert.equal(
      await page.getByRole("link", { name: "Open over https" }).getAttribute("href"),
      https,
      "the same link over https, key and all",
    );
    await page.getByRole("button", { name: "Home" }).click();
    await page.getByRole("button", { name: "New meeting" }).click();
    const notice = page.getByRole("alert");
    await notice.getByText(insecure, { exact: true }).waitFor();
    assert.match((await notice.textContent()) ?? "", /localhost/);
    assert.equal(new URL(page.url()).pathname, "/", "no meeting was made without a key");
  });
});
