/**
 * A meeting between this machine and another on its network (a NetworkNamespace): a Chromium on
 * each side, trusting the server's (and a relay's) self-made certificate as a person accepts it
 * once, and what Diagnostics says of the path each connection's media takes. Shared by the tests
 * of reaching the server over a LAN, ICE-TCP and the TURN relay, and of narrow and lossy links.
 */
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import type { ServerProcess } from "../packages/server/test/start-server.ts";
import {
  CHROMIUM_ARGS,
  expectVideoFlowing,
  joinMeeting,
  newMeetingLink,
  newParticipant,
  type Participant,
  startServerBesideBrowsers,
  waitFor,
} from "./browser.ts";
import { NetworkNamespace } from "./network-namespace.ts";

/** Nothing but UDP is stopped: a firewall that allows TCP anywhere. */
export const NO_UDP = `table inet firewall {
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "lo" accept
    meta l4proto udp drop
  }
}`;

/** Chromium's pin for a certificate: base64 SHA-256 of its public key (SPKI). */
export function spkiPin(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

/** A Chromium here and one on the other machine, both trusting the certificates `certPems`. */
export async function pinnedBrowsers(
  lan: NetworkNamespace,
  certPems: readonly string[],
): Promise<{ here: Browser; there: Browser }> {
  const pin = `--ignore-certificate-errors-spki-list=${certPems.map(spkiPin).join(",")}`;
  const here = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [...CHROMIUM_ARGS, pin],
  });
  return { here, there: await lan.launchChromium([pin]) };
}

/**
 * Alice here and Bob on the other machine meet at `site`; each decodes the other's video, and
 * both have Diagnostics open. Their pages go into `pages`, for the caller to close.
 */
export async function meetAcross(
  browsers: { here: Browser; there: Browser },
  site: string,
  pages: Participant[],
): Promise<{ alice: Page; bob: Page }> {
  const alice = await newParticipant(browsers.here);
  pages.push(alice);
  const link = await newMeetingLink(alice.page, site);
  await joinMeeting(alice.page, link, "Alice");
  const bob = await newParticipant(browsers.there);
  pages.push(bob);
  await joinMeeting(bob.page, link, "Bob");
  await expectVideoFlowing(bob.page, "Alice");
  await expectVideoFlowing(alice.page, "Bob");
  for (const p of [alice, bob]) await p.page.getByRole("button", { name: "Diagnostics" }).click();
  return { alice: alice.page, bob: bob.page };
}

/** What Diagnostics says of the page's two connections, once both have a path. */
export function settledPath(page: Page): Promise<string> {
  return waitFor(
    "Diagnostics to show both connections' path",
    async () => {
      const text = (await page.locator("[data-media-path]").textContent()) ?? "";
      return text.includes("not connected") ? false : text;
    },
    10_000,
  );
}

/** What a test file of one meeting across the namespace pair shares (lanSuite). */
export interface LanSuite {
  /** The other machine. */
  readonly lan: NetworkNamespace;
  readonly server: ServerProcess;
  /** The server's address as both machines reach it. */
  readonly site: string;
  /** Chromium on this machine and on the other, both trusting the server's certificate. */
  readonly here: Browser;
  readonly there: Browser;
  /** A fresh participant in `browser`, closed with the file. */
  participant(browser: Browser): Promise<Participant>;
}

/**
 * Registers the hooks of a test file whose meeting spans this machine and another (a network
 * namespace): a server on this side of the pair with its own certificate, at the priority of a
 * machine of its own, and a Chromium on each side that trusts it.
 */
export function lanSuite(): LanSuite {
  let lan: NetworkNamespace | undefined;
  let server: ServerProcess | undefined;
  let browsers: { here: Browser; there: Browser } | undefined;
  let dataDir: string | undefined;
  const pages: Participant[] = [];
  before(async () => {
    lan = NetworkNamespace.create();
    dataDir = mkdtempSync(join(tmpdir(), "conclave-data-"));
    server = await startServerBesideBrowsers({
      HOST: lan.hostAddress,
      HTTPS: "self-signed",
      DATA_DIR: dataDir,
    });
    browsers = await pinnedBrowsers(lan, [readFileSync(join(dataDir, "tls", "cert.pem"), "utf8")]);
  });
  after(async () => {
    for (const p of pages) await p.context.close().catch(() => {});
    await browsers?.here.close();
    await lan?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the suite starts before the first test");
    return value;
  };
  return {
    get lan() {
      return started(lan);
    },
    get server() {
      return started(server);
    },
    get site() {
      return `https://${started(lan).hostAddress}:${started(server).port}`;
    },
    get here() {
      return started(browsers).here;
    },
    get there() {
      return started(browsers).there;
    },
    async participant(browser) {
      const p = await newParticipant(browser);
      pages.push(p);
      return p;
    },
  };
}
