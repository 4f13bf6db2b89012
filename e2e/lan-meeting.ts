/**
 * A meeting between this machine and another on its network (a NetworkNamespace): a Chromium on
 * each side, trusting the server's (and a relay's) self-made certificate as a person accepts it
 * once, and what Diagnostics says of the path each connection's media takes. Shared by the tests
 * of reaching the server over a LAN, ICE-TCP and the TURN relay.
 */
import { createHash, X509Certificate } from "node:crypto";
import { type Browser, chromium, type Page } from "playwright-core";
import {
  CHROMIUM_ARGS,
  expectVideoFlowing,
  joinMeeting,
  newMeetingLink,
  newParticipant,
  type Participant,
  waitFor,
} from "./browser.ts";
import type { NetworkNamespace } from "./network-namespace.ts";

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
