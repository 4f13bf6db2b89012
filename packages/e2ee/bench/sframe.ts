// Cost of SFrame per frame: encrypt + decrypt of one frame through SframeContext, per cipher
// suite, for a 1 KB video frame and a 100-byte audio frame. Median and p90 over many runs, in
// microseconds, with a bare WebCrypto AES-128-GCM encrypt + decrypt of the same size as the peer
// run (ratio = SFrame / bare). Prints JSON.
// Run: node --import tsx packages/e2ee/bench/sframe.ts [runs]
import {
  type CipherSuite,
  createSframeContext,
  IANA_256_CTR_SUITES,
  RFC9605_SUITES,
} from "../src/index.ts";

// Node's `process` when there is one; the bench itself needs only WebCrypto and `performance`.
const host = Reflect.get(globalThis, "process") as
  | { argv?: string[]; version?: string }
  | undefined;
const RUNS = Number(host?.argv?.[2] ?? 5000);
const WARMUP = 500;
const SIZES = { video1k: 1024, audio100: 100 } as const;
const METADATA = Uint8Array.of(0x9d, 0x01, 0x2a);

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function measure(op: () => Promise<void>): Promise<{ medianUs: number; p90Us: number }> {
  for (let i = 0; i < WARMUP; i++) await op();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await op();
    samples.push((performance.now() - start) * 1000);
  }
  samples.sort((a, b) => a - b);
  const round = (us: number) => Math.round(us * 10) / 10;
  return { medianUs: round(quantile(samples, 0.5)), p90Us: round(quantile(samples, 0.9)) };
}

async function sframeRoundTrip(suite: CipherSuite, size: number): Promise<() => Promise<void>> {
  const baseKey = crypto.getRandomValues(new Uint8Array(suite.nk));
  const sender = createSframeContext({ suite });
  const receiver = createSframeContext({ suite });
  await sender.addKey(0x1234n, baseKey, "encrypt");
  await receiver.addKey(0x1234n, baseKey, "decrypt");
  const plaintext = crypto.getRandomValues(new Uint8Array(size));
  return async () => {
    const sealed = await sender.encrypt(0x1234n, undefined, METADATA, plaintext);
    if (!sealed.ok) throw new Error(`encrypt refused: ${sealed.reason}`);
    const opened = await receiver.decrypt(METADATA, sealed.frame);
    if (!opened.ok) throw new Error(`decrypt refused: ${opened.reason}`);
  };
}

async function bareGcmRoundTrip(size: number): Promise<() => Promise<void>> {
  const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, false, [
    "encrypt",
    "decrypt",
  ]);
  const plaintext = crypto.getRandomValues(new Uint8Array(size));
  const iv = new Uint8Array(12);
  return async () => {
    const ct = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: METADATA },
      key,
      plaintext,
    );
    await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: METADATA }, key, ct);
  };
}

const baseline: Record<string, { medianUs: number; p90Us: number }> = {};
for (const [label, size] of Object.entries(SIZES))
  baseline[label] = await measure(await bareGcmRoundTrip(size));

const suites = [];
for (const suite of [...RFC9605_SUITES, ...IANA_256_CTR_SUITES]) {
  const row: Record<string, unknown> = { suite: suite.name, id: suite.id, tagBytes: suite.nt };
  for (const [label, size] of Object.entries(SIZES)) {
    const result = await measure(await sframeRoundTrip(suite, size));
    const bare = baseline[label]?.medianUs ?? Number.NaN;
    row[label] = { ...result, ratioToBareGcm: Math.round((result.medianUs / bare) * 100) / 100 };
  }
  suites.push(row);
}

console.log(
  JSON.stringify(
    {
      bench: "sframe encrypt+decrypt per frame",
      runtime: host?.version ?? "unknown",
      runs: RUNS,
      warmup: WARMUP,
      metadataBytes: METADATA.length,
      bareAes128Gcm: baseline,
      suites,
    },
    null,
    2,
  ),
);
