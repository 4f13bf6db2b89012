import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { connect } from "node:tls";
import {
  covers,
  makeCertificate,
  namesFor,
  selfSignedCertificate,
} from "./self-signed-certificate.ts";

const NAMES = namesFor(["192.168.1.20", "10.0.0.7"], "office-box");

function spki(certPem: string): string {
  return new X509Certificate(certPem).publicKey
    .export({ type: "spki", format: "der" })
    .toString("base64");
}

describe("the self-signed certificate", () => {
  it("covers localhost, the machine's addresses and its name, as a server certificate that is no CA", async () => {
    const made = await makeCertificate(NAMES);
    const cert = new X509Certificate(made.certPem);
    for (const ip of ["127.0.0.1", "::1", "192.168.1.20", "10.0.0.7"]) {
      assert.equal(cert.checkIP(ip), ip, `covers ${ip}`);
    }
    for (const host of ["localhost", "office-box", "office-box.local"]) {
      assert.equal(cert.checkHost(host), host, `covers ${host}`);
    }
    assert.equal(cert.checkIP("192.168.1.21"), undefined);
    assert.equal(cert.ca, false, "browsers refuse a CA certificate used as a server's");
    assert.ok(cert.verify(cert.publicKey), "it is signed by its own key");
    assert.match(made.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal(made.fingerprint, cert.fingerprint256);
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 390 && days < 398, `valid ${days.toFixed(0)} days, within what browsers take`);
  });

  it("is trusted by a client that pins it, over TLS to one of its addresses", async () => {
    const made = await makeCertificate(NAMES);
    const server = createServer({ cert: made.certPem, key: made.keyPem }, (_, res) => res.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    try {
      const seen = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port, ca: made.certPem }, () => {
          resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? "");
          socket.end();
        });
        socket.on("error", reject);
      });
      assert.equal(seen, made.fingerprint);
    } finally {
      server.close();
    }
  });

  it("is kept in its folder, with a key only its owner reads, and made again only when it no longer covers the machine", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "conclave-cert-")), "tls");
    const first = await selfSignedCertificate(dir, NAMES);
    assert.equal(first.renewed, true);
    assert.equal((await stat(join(dir, "key.pem"))).mode & 0o777, 0o600);
    assert.equal(await readFile(join(dir, "cert.pem"), "utf8"), first.certPem);

    const again = await selfSignedCertificate(dir, NAMES);
    assert.equal(again.renewed, false);
    assert.equal(again.fingerprint, first.fingerprint, "a restart keeps the certificate");

    const moved = namesFor(["192.168.7.3"], "office-box");
    assert.equal(covers(first.certPem, moved), false);
    const renewed = await selfSignedCertificate(dir, moved);
    assert.equal(renewed.renewed, true, "a new address gets a certificate that covers it");
    assert.notEqual(renewed.fingerprint, first.fingerprint);
    assert.equal(spki(renewed.certPem), spki(first.certPem), "the key stays across renewals");
  });

  it("is made again a month before it expires", async () => {
    const made = await makeCertificate(NAMES);
    const inElevenMonths = Date.now() + 370 * 86_400_000;
    assert.equal(covers(made.certPem, NAMES), true);
    assert.equal(covers(made.certPem, NAMES, inElevenMonths), false);
    assert.equal(covers("not a certificate", NAMES), false);
  });
});
