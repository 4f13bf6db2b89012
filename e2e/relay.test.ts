/**
 * A participant behind a firewall that lets only web traffic out, joining through the TURN relay
 * (docs/operations.md "TURN"). The other machine is a network namespace with its own nftables
 * firewall and a Chromium inside; the server serves HTTPS on port 443 of this machine's address on
 * that network with its own certificate, and Debian's coturn, started here, listens on a second
 * address of this machine: UDP and TCP on 3478, TLS on 443 with a certificate made for it. The
 * other participant is a Chromium on this machine with no firewall. Needs root; skipped without.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { makeCertificate, namesFor } from "../packages/server/src/self-signed-certificate.ts";
import { type Coturn, cannotRunCoturn, startCoturn } from "../packages/server/test/coturn.ts";
import type { ServerProcess } from "../packages/server/test/start-server.ts";
import { type Participant, startServerBesideBrowsers } from "./browser.ts";
import { meetAcross, NO_UDP, pinnedBrowsers, settledPath } from "./lan-meeting.ts";
import { cannotMakeNamespaces, NetworkNamespace } from "./network-namespace.ts";

const skip = cannotMakeNamespaces() ?? cannotRunCoturn();

/** Only TCP to port 443 leaves: the strictest web-only firewall (no DNS, no port 80). */
const ONLY_HTTPS = `table inet firewall {
  chain out {
    type filter hook output priority 0; policy drop;
    oifname "lo" accept
    tcp dport 443 accept
  }
}`;

describe("joining from behind a web-only firewall, through the TURN relay", { skip }, () => {
  let lan: NetworkNamespace;
  let relay: Coturn;
  let server: ServerProcess;
  let scratch: string;
  let site: string;
  let browsers: { here: Browser; there: Browser };
  const pages: Participant[] = [];

  before(async () => {
    lan = NetworkNamespace.create();
    scratch = mkdtempSync(join(tmpdir(), "conclave-relay-"));
    const relayAddress = lan.addHostAddress();
    const relayCert = await makeCertificate(namesFor([relayAddress], null));
    writeFileSync(join(scratch, "relay-cert.pem"), relayCert.certPem);
    writeFileSync(join(scratch, "relay-key.pem"), relayCert.keyPem, { mode: 0o600 });
    const secret = randomBytes(24).toString("base64url");
    relay = await startCoturn({
      address: relayAddress,
      port: 3478,
      tls: {
        port: 443,
        certFile: join(scratch, "relay-cert.pem"),
        keyFile: join(scratch, "relay-key.pem"),
      },
      secret,
    });
    server = await startServerBesideBrowsers({
      HOST: lan.hostAddress,
      PORT: "443",
      HTTPS: "self-signed",
      DATA_DIR: scratch,
      TURN_URLS: [
        `turn:${relayAddress}:3478?transport=udp`,
        `turn:${relayAddress}:3478?transport=tcp`,
        `turns:${relayAddress}:443?transport=tcp`,
      ].join(","),
      TURN_SECRET: secret,
      // The relay is what is tested: without ICE-TCP the server offers no TCP path of its own.
      ICE_TCP: "off",
    });
    site = `https://${lan.hostAddress}`;
    // People accept the server's certificate once; the relay's is pinned the same way here.
    browsers = await pinnedBrowsers(lan, [
      readFileSync(join(scratch, "tls", "cert.pem"), "utf8"),
      relayCert.certPem,
    ]);
  });

  after(async () => {
    for (const p of pages) await p.context.close().catch(() => {});
    await browsers?.here.close();
    await lan?.close();
    await server?.stop();
    await relay?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test("with UDP blocked, a Chromium joins through the relay over TCP and decodes the others' video", async () => {
    lan.firewall(NO_UDP);
    const { alice, bob } = await meetAcross(browsers, site, pages);
    assert.equal(
      await settledPath(bob),
      "Sending through the relay, TCP; receiving through the relay, TCP",
    );
    assert.equal(
      await settledPath(alice),
      "Sending direct, UDP; receiving direct, UDP",
      "without a firewall the relay is not used",
    );
    for (const p of pages) await p.context.close();
    pages.length = 0;
  });

  test("with only TCP to port 443 open, a Chromium joins through the relay over TLS and decodes the others' video", async () => {
    lan.firewall(ONLY_HTTPS);
    const { bob } = await meetAcross(browsers, site, pages);
    assert.equal(
      await settledPath(bob),
      "Sending through the relay, TLS; receiving through the relay, TLS",
    );
    assert.ok(
      relay.logs().some((l) => /ALLOCATE processed, success/.test(l)),
      "the relay allocated for the participant",
    );
  });
});
