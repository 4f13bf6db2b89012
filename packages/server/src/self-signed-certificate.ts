/**
 * HTTPS on a home or office network in one step (HTTPS=self-signed): the server makes its own
 * certificate for the names and addresses it is reached by, keeps it in its data folder, and
 * prints its fingerprint so people can check what their browser shows before trusting it. No
 * external service is asked; a real name with a certificate from a CA goes through a reverse proxy
 * (docs/operations.md).
 */
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";

export interface Certificate {
  readonly certPem: string;
  readonly keyPem: string;
  /** SHA-256 of the certificate, as browsers show it: "AB:CD:…". */
  readonly fingerprint: string;
}

/** What the certificate must cover: IP addresses and DNS names. */
export interface CertificateNames {
  readonly addresses: readonly string[];
  readonly dnsNames: readonly string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Browsers refuse server certificates valid for longer than 398 days (CA/B Forum BR §6.3.2). */
const VALIDITY_DAYS = 397;
/** A certificate with less left than this is made again at start. */
const RENEW_BEFORE_DAYS = 30;
const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256" } as const;

type KeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

function pem(label: string, der: ArrayBuffer): string {
  const lines =
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Whether `certPem` is still good for a while and covers every name and address asked for. */
export function covers(certPem: string, names: CertificateNames, now = Date.now()): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return false;
  }
  if (Date.parse(cert.validTo) - now < RENEW_BEFORE_DAYS * DAY_MS) return false;
  return (
    names.addresses.every((a) => cert.checkIP(a) !== undefined) &&
    names.dnsNames.every((n) => cert.checkHost(n, { wildcards: false }) !== undefined)
  );
}

async function loadKey(keyPem: string | null): Promise<KeyPair> {
  if (keyPem === null) {
    return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"])) as KeyPair;
  }
  // The key stays across renewals, so a pinned public key (SPKI) still matches.
  const key = createPrivateKey(keyPem);
  const jwk = key.export({ format: "jwk" });
  const privateKey = await webcrypto.subtle.importKey("jwk", jwk, KEY_ALGORITHM, true, ["sign"]);
  const { d: _, ...publicJwk } = jwk;
  const publicKey = await webcrypto.subtle.importKey("jwk", publicJwk, KEY_ALGORITHM, true, [
    "verify",
  ]);
  return { privateKey, publicKey } as KeyPair;
}

/** A new self-signed end-entity certificate for `names` (not a CA: Firefox refuses those). */
export async function makeCertificate(
  names: CertificateNames,
  keyPem: string | null = null,
  now = Date.now(),
): Promise<Certificate> {
  const keys = await loadKey(keyPem);
  const commonName = names.dnsNames[0] ?? names.addresses[0] ?? "localhost";
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16)
      .toString("hex")
      .replace(/^[89a-f]/, "1"),
    name: `CN=${commonName}, O=Conclave (self-signed)`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dnsNames.map((value) => ({ type: "dns" as const, value })),
        ...names.addresses.map((value) => ({ type: "ip" as const, value })),
      ]),
    ],
  });
  const certPem = cert.toString("pem");
  return {
    certPem: `${certPem.trim()}\n`,
    keyPem:
      keyPem ?? pem("PRIVATE KEY", await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)),
    fingerprint: new X509Certificate(certPem).fingerprint256,
  };
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** Writes through a temporary file, so a crash never leaves half a key. */
async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode });
  await rename(temporary, path);
}

/**
 * The certificate kept in `dir` (cert.pem, key.pem), made or renewed when it is missing, about to
 * expire, or does not cover a name or address the server is now reached by.
 */
export async function selfSignedCertificate(
  dir: string,
  names: CertificateNames,
): Promise<Certificate & { readonly renewed: boolean }> {
  const [certPath, keyPath] = [join(dir, "cert.pem"), join(dir, "key.pem")];
  const [certPem, keyPem] = await Promise.all([readOrNull(certPath), readOrNull(keyPath)]);
  if (certPem !== null && keyPem !== null && covers(certPem, names)) {
    return {
      certPem,
      keyPem,
      fingerprint: new X509Certificate(certPem).fingerprint256,
      renewed: false,
    };
  }
  const made = await makeCertificate(names, keyPem);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (keyPem === null) await writeAtomically(keyPath, made.keyPem, 0o600);
  await writeAtomically(certPath, made.certPem, 0o644);
  return { ...made, renewed: true };
}

/** The names a certificate for this machine covers: localhost, its addresses and its name. */
export function namesFor(
  addresses: readonly string[],
  machineName: string | null,
): CertificateNames {
  const ips = ["127.0.0.1", "::1", ...addresses].filter(
    (a, i, all) => isIP(a) && all.indexOf(a) === i,
  );
  const dns = ["localhost", ...(machineName ? [machineName, `${machineName}.local`] : [])];
  return { addresses: ips, dnsNames: [...new Set(dns)] };
}
