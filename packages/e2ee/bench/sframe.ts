// Cost of SFrame per frame: encrypt + decrypt of one frame through SframeContext, per cipher
// suite, for a 1 KB video frame and a 100-byte audio frame. Median and p90 in microseconds over
// many runs, interleaved across configurations; the peer run is a bare WebCrypto AES-128-GCM
// encrypt + decrypt of the same size (ratio = SFrame / bare). Prints JSON.
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
/** Runs are taken in this many rounds, each visiting every configuration in turn, so that load
 * from other processes on a shared machine falls on all of them alike. */
const ROUNDS = 20;
const WARMUP = 300;
const SIZES = { video1k: 1024, audio100: 100 } as const;
const METADATA = Uint8Array.of(0x9d, 0x01, 0x2a);

type RoundTrip = () => Promise<void>;
interface Summary {
  readonly medianUs: number;
  readonly p90Us: number;
}

function summarize(samples: number[]): Summary {
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
  const round = (us: number) => Math.round(us * 10) / 10;
  return { medianUs: round(at(0.5)), p90Us: round(at(0.9)) };
}

/** Times every configuration, interleaved by rounds; returns the summary per key. */
async function measureAll(configs: ReadonlyMap<string, RoundTrip>): Promise<Map<string, Summary>> {
  const samples = new Map<string, number[]>();
  for (const [key, op] of configs) {
    for (let i = 0; i < WARMUP; i++) await op();
    samples.set(key, []);
  }
  const perRound = Math.ceil(RUNS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [key, op] of configs) {
      const into = samples.get(key) ?? [];
      for (let i = 0; i < perRound; i++) {
        const start = performance.now();
        await op();
        into.push((performance.now() - start) * 1000);
      }
    }
  }
  return new Map([...samples].map(([key, values]) => [key, summarize(values)]));
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

const suites = [...RFC9605_SUITES, ...IANA_256_CTR_SUITES];
const configs = new Map<string, RoundTrip>();
for (const [label, size] of Object.entries(SIZES)) {
  configs.set(`bare/${label}`, await bareGcmRoundTrip(size));
  for (const suite of suites)
    configs.set(`${suite.name}/${label}`, await sframeRoundTrip(suite, size));
}
const results = await measureAll(configs);

const rows = suites.map((suite) => {
  const row: Record<string, unknown> = { suite: suite.name, id: suite.id, tagBytes: suite.nt };
  for (const label of Object.keys(SIZES)) {
    const result = results.get(`${suite.name}/${label}`);
    const bare = results.get(`bare/${label}`)?.medianUs ?? Number.NaN;
    if (result === undefined) continue;
    row[label] = { ...result, ratioToBareGcm: Math.round((result.medianUs / bare) * 100) / 100 };
  }
  return row;
});
const baseline = Object.fromEntries(
  Object.keys(SIZES).map((label) => [label, results.get(`bare/${label}`)]),
);

console.log(
  JSON.stringify(
    {
      bench: "sframe encrypt+decrypt per frame",
      runtime: host?.version ?? "unknown",
      runs: RUNS,
      rounds: ROUNDS,
      warmup: WARMUP,
      metadataBytes: METADATA.length,
      bareAes128Gcm: baseline,
      suites: rows,
    },
    null,
    2,
  ),
);
