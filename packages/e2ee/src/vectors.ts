// Checks this package against a file of SFrame test vectors in the shape of RFC 9605 Appendix C
// (sframe-wg's test-vectors.json): "header", "aes_ctr_hmac", "aes_256_ctr_hmac", "sframe".
// Runs anywhere WebCrypto does; vectors-cli.ts is the Node entry point around it.
import { concatBytes, fromHex, toHex } from "./sframe/bytes.ts";
import { frameNonce, importAeadKey } from "./sframe/cipher.ts";
import { createSframeContext } from "./sframe/context.ts";
import { decodeHeader, encodeHeader } from "./sframe/header.ts";
import { deriveKeySalt, deriveSubkeys, sframeLabels } from "./sframe/key-derivation.ts";
import { type CipherSuite, cipherSuiteById } from "./sframe/suites.ts";

export interface VectorReport {
  readonly passed: number;
  readonly failed: number;
  /** one line per failed vector, saying what differed */
  readonly failures: readonly string[];
}

type Entry = Readonly<Record<string, unknown>>;
export type VectorFile = Readonly<Record<string, readonly Entry[]>>;

const SECTIONS = ["header", "aes_ctr_hmac", "aes_256_ctr_hmac", "sframe"] as const;

/**
 * Parses the vector file's text. KID and CTR are 64-bit integers written as bare JSON numbers,
 * which JSON.parse would round through a double; they are quoted in the raw text first so that
 * they reach BigInt exactly. Returns an error message instead of throwing.
 */
export function parseVectorFile(
  text: string,
): { ok: true; file: VectorFile } | { ok: false; error: string } {
  const quoted = text.replace(/"(kid|ctr)"(\s*):(\s*)(-?\d[\d.eE+-]*)/g, '"$1"$2:$3"$4"');
  let parsed: unknown;
  try {
    parsed = JSON.parse(quoted);
  } catch (error) {
    return {
      ok: false,
      error: `not JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: "not a JSON object" };
  }
  const file: Record<string, readonly Entry[]> = {};
  let sections = 0;
  for (const [name, value] of Object.entries(parsed)) {
    if (
      !Array.isArray(value) ||
      !value.every((entry) => typeof entry === "object" && entry !== null)
    ) {
      return { ok: false, error: `"${name}" is not a list of objects` };
    }
    file[name] = value as Entry[];
    if ((SECTIONS as readonly string[]).includes(name)) sections++;
  }
  if (sections === 0) return { ok: false, error: `none of ${SECTIONS.join(", ")} present` };
  return { ok: true, file };
}

/** Thrown inside one vector's check to end it with a message; never escapes runVectors. */
class VectorFieldError extends Error {}

function bytesField(entry: Entry, name: string): Uint8Array<ArrayBuffer> {
  const value = entry[name];
  const bytes = typeof value === "string" ? fromHex(value) : undefined;
  if (bytes === undefined) throw new VectorFieldError(`field ${name} is not a hex string`);
  return bytes;
}

function u64Field(entry: Entry, name: string): bigint {
  const value = entry[name];
  if (typeof value !== "string" || !/^\d+$/.test(value)) {
    throw new VectorFieldError(`field ${name} is not a non-negative integer`);
  }
  return BigInt(value);
}

function suiteField(entry: Entry): CipherSuite {
  const id = entry.cipher_suite;
  const suite = typeof id === "number" ? cipherSuiteById(id) : undefined;
  if (suite === undefined) throw new VectorFieldError(`cipher suite ${String(id)} not supported`);
  return suite;
}

/** Collects "name: expected X, got Y" for each differing field of one vector. */
class Differences {
  readonly lines: string[] = [];

  bytes(name: string, expected: Uint8Array, actual: Uint8Array | undefined): void {
    const got = actual === undefined ? "(nothing)" : toHex(actual);
    if (got !== toHex(expected))
      this.lines.push(`${name}: expected ${toHex(expected)}, got ${got}`);
  }

  value(name: string, expected: string, actual: string): void {
    if (expected !== actual) this.lines.push(`${name}: expected ${expected}, got ${actual}`);
  }
}

async function checkHeader(entry: Entry, diff: Differences): Promise<void> {
  const kid = u64Field(entry, "kid");
  const ctr = u64Field(entry, "ctr");
  const encoded = bytesField(entry, "encoded");
  diff.bytes("encode", encoded, encodeHeader({ kid, ctr }));
  const decoded = decodeHeader(encoded);
  if (!decoded.ok) {
    diff.lines.push(`decode: refused (${decoded.reason})`);
    return;
  }
  diff.value("decoded kid", String(kid), String(decoded.header.kid));
  diff.value("decoded ctr", String(ctr), String(decoded.header.ctr));
  diff.value("decoded length", String(encoded.length), String(decoded.length));
}

async function checkAesCtrHmac(entry: Entry, diff: Differences): Promise<void> {
  const suite = suiteField(entry);
  if (suite.aead.kind !== "aes-ctr-hmac")
    throw new VectorFieldError(`${suite.name} is not AES-CTR`);
  const key = bytesField(entry, "key");
  const nonce = bytesField(entry, "nonce");
  const aad = bytesField(entry, "aad");
  const pt = bytesField(entry, "pt");
  const ct = bytesField(entry, "ct");
  const { encKey, authKey } = deriveSubkeys(suite.aead.nka, key);
  diff.bytes("enc_key", bytesField(entry, "enc_key"), encKey);
  diff.bytes("auth_key", bytesField(entry, "auth_key"), authKey);
  const aead = await importAeadKey(suite, key);
  diff.bytes("ct (encrypt)", ct, await aead.seal(nonce, aad, pt));
  diff.bytes("pt (decrypt)", pt, await aead.open(nonce, aad, ct));
}

async function checkSframe(entry: Entry, diff: Differences): Promise<void> {
  const suite = suiteField(entry);
  const kid = u64Field(entry, "kid");
  const ctr = u64Field(entry, "ctr");
  const baseKey = bytesField(entry, "base_key");
  const metadata = bytesField(entry, "metadata");
  const pt = bytesField(entry, "pt");
  const ct = bytesField(entry, "ct");

  // Intermediate values of RFC 9605 §4.4.2-4.4.3, so a failure says which step went wrong.
  const labels = sframeLabels(suite, kid);
  diff.bytes("sframe_key_label", bytesField(entry, "sframe_key_label"), labels.key);
  diff.bytes("sframe_salt_label", bytesField(entry, "sframe_salt_label"), labels.salt);
  const material = await deriveKeySalt(suite, kid, baseKey);
  diff.bytes("sframe_secret", bytesField(entry, "sframe_secret"), material.secret);
  diff.bytes("sframe_key", bytesField(entry, "sframe_key"), material.key);
  diff.bytes("sframe_salt", bytesField(entry, "sframe_salt"), material.salt);
  diff.bytes("nonce", bytesField(entry, "nonce"), frameNonce(material.salt, ctr));
  diff.bytes("aad", bytesField(entry, "aad"), concatBytes(encodeHeader({ kid, ctr }), metadata));

  // End to end through the context the app uses: one sender, one receiver.
  const sender = createSframeContext({ suite });
  await sender.addKey(kid, baseKey, "encrypt");
  const sealed = await sender.encrypt(kid, ctr, metadata, pt);
  diff.bytes("ct (encrypt)", ct, sealed.ok ? sealed.frame : undefined);
  if (!sealed.ok) diff.lines.push(`encrypt: refused (${sealed.reason})`);
  const receiver = createSframeContext({ suite });
  await receiver.addKey(kid, baseKey, "decrypt");
  const opened = await receiver.decrypt(metadata, ct);
  if (!opened.ok) {
    diff.lines.push(`decrypt: refused (${opened.reason})`);
    return;
  }
  diff.bytes("pt (decrypt)", pt, opened.plaintext);
  diff.value("decrypted kid", String(kid), String(opened.kid));
  diff.value("decrypted ctr", String(ctr), String(opened.ctr));
}

const CHECKS: Readonly<
  Record<(typeof SECTIONS)[number], (entry: Entry, diff: Differences) => Promise<void>>
> = {
  header: checkHeader,
  aes_ctr_hmac: checkAesCtrHmac,
  aes_256_ctr_hmac: checkAesCtrHmac,
  sframe: checkSframe,
};

function describe(section: string, index: number, entry: Entry): string {
  const parts: string[] = [];
  if (entry.cipher_suite !== undefined) parts.push(`suite ${String(entry.cipher_suite)}`);
  if (entry.kid !== undefined) parts.push(`kid ${String(entry.kid)}`);
  if (entry.ctr !== undefined) parts.push(`ctr ${String(entry.ctr)}`);
  return `${section}[${index}]${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`;
}

/** Runs every vector of the known sections; each vector passes or fails as a whole. */
export async function runVectors(file: VectorFile): Promise<VectorReport> {
  let passed = 0;
  const failures: string[] = [];
  for (const section of SECTIONS) {
    const entries = file[section] ?? [];
    for (const [index, entry] of entries.entries()) {
      const diff = new Differences();
      try {
        await CHECKS[section](entry, diff);
      } catch (error) {
        diff.lines.push(error instanceof Error ? error.message : String(error));
      }
      if (diff.lines.length === 0) passed++;
      else failures.push(`${describe(section, index, entry)}: ${diff.lines.join("; ")}`);
    }
  }
  return { passed, failed: failures.length, failures };
}
