// Cost of the frame layer per frame: encrypt + decrypt of one whole encoded frame through
// createFrameCryptor (codec prefix, KID checks, sender binding, counters, SFrame through the media
// key ring), for a 1 KB VP8 interframe, a 10 KB VP8 key frame and an 80-byte Opus frame. Median and
// p90 in microseconds over many runs, interleaved across configurations. The peer run is a bare
// SframeContext encrypt + decrypt of the same payload with the same suite (ratio = frames / bare
// SFrame), so the ratio is what the frame layer adds. Prints JSON.
// Run: node --import tsx packages/e2ee/bench/frames.ts [runs]
import {
  type CipherSuite,
  CONCLAVE_GROUP_PIN,
  createFrameCryptor,
  createMediaKeyRing,
  createSframeContext,
  encodeKid,
  type FrameCodec,
  type MediaKeyRing,
  type StreamContext,
} from "../src/index.ts";

const host = Reflect.get(globalThis, "process") as
  | { argv?: string[]; version?: string }
  | undefined;
const RUNS = Number(host?.argv?.[2] ?? 5000);
const ROUNDS = 20;
const WARMUP = 300;

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

/** Times every configuration, interleaved by rounds so that outside load falls on all alike. */
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

async function ring(own: number): Promise<MediaKeyRing> {
  const r = createMediaKeyRing();
  await r.installEpoch({
    epoch: 1n,
    epochAuthenticator: new Uint8Array(32).fill(1),
    ownLeafIndex: own,
    memberLeafIndexes: [0, 1],
    pin: CONCLAVE_GROUP_PIN,
    baseKeys: { audio: new Uint8Array(48).fill(7), video: new Uint8Array(16).fill(7) },
  });
  return r;
}

function frameOf(codec: FrameCodec, size: number, key: boolean): Uint8Array {
  const frame = crypto.getRandomValues(new Uint8Array(size));
  if (codec === "vp8") {
    frame.set(
      key ? [0x50, 0x2d, 0x01, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01] : [0x31, 0x0b, 0x00],
    );
  } else frame[0] = 0x48;
  return frame;
}

interface Case {
  readonly label: string;
  readonly stream: StreamContext;
  readonly codec: FrameCodec;
  readonly size: number;
  readonly key: boolean;
}

const CASES: readonly Case[] = [
  { label: "vp8Inter1k", stream: "camera", codec: "vp8", size: 1024, key: false },
  { label: "vp8Key10k", stream: "camera", codec: "vp8", size: 10240, key: true },
  { label: "opus80", stream: "microphone", codec: "opus", size: 80, key: false },
];

async function frameRoundTrip(c: Case): Promise<{ op: RoundTrip; overhead: number }> {
  const alice = createFrameCryptor(await ring(0));
  const bob = createFrameCryptor(await ring(1));
  const frame = frameOf(c.codec, c.size, c.key);
  const kind = c.codec === "opus" ? "audio" : "video";
  const probe = await alice.encrypt(c.stream, c.codec, frame);
  if (!probe.ok) throw new Error(`encrypt refused: ${probe.reason}`);
  return {
    overhead: probe.frame.length - frame.length,
    op: async () => {
      const sealed = await alice.encrypt(c.stream, c.codec, frame);
      if (!sealed.ok) throw new Error(`encrypt refused: ${sealed.reason}`);
      const opened = await bob.decrypt("mid", kind, sealed.frame);
      if (!opened.ok) throw new Error(`decrypt refused: ${opened.reason}`);
    },
  };
}

async function bareSframeRoundTrip(c: Case, suite: CipherSuite): Promise<RoundTrip> {
  const kid = encodeKid(c.stream, 0, 1n);
  const baseKey = new Uint8Array(suite.nk).fill(7);
  const sender = createSframeContext({ suite });
  const receiver = createSframeContext({ suite });
  await sender.addKey(kid, baseKey, "encrypt");
  await receiver.addKey(kid, baseKey, "decrypt");
  const frame = frameOf(c.codec, c.size, c.key);
  const prefix = c.codec === "opus" ? 1 : c.key ? 10 : 3;
  const metadata = frame.subarray(0, prefix);
  const payload = frame.subarray(prefix);
  return async () => {
    const sealed = await sender.encrypt(kid, undefined, metadata, payload);
    if (!sealed.ok) throw new Error(`encrypt refused: ${sealed.reason}`);
    const opened = await receiver.decrypt(metadata, sealed.frame);
    if (!opened.ok) throw new Error(`decrypt refused: ${opened.reason}`);
  };
}

const configs = new Map<string, RoundTrip>();
const overheads = new Map<string, number>();
const probeRing = await ring(0);
for (const c of CASES) {
  const { op, overhead } = await frameRoundTrip(c);
  configs.set(`frames/${c.label}`, op);
  overheads.set(c.label, overhead);
  const suite = probeRing.contexts[c.codec === "opus" ? "audio" : "video"].suite;
  configs.set(`bare/${c.label}`, await bareSframeRoundTrip(c, suite));
}
const results = await measureAll(configs);

const rows = CASES.map((c) => {
  const frames = results.get(`frames/${c.label}`);
  const bare = results.get(`bare/${c.label}`);
  const suite = probeRing.contexts[c.codec === "opus" ? "audio" : "video"].suite;
  return {
    frame: c.label,
    bytes: c.size,
    suite: suite.name,
    overheadBytes: overheads.get(c.label),
    frames,
    bareSframe: bare,
    ratioToBareSframe:
      frames && bare ? Math.round((frames.medianUs / bare.medianUs) * 100) / 100 : null,
  };
});

console.log(
  JSON.stringify(
    {
      bench: "frame cryptor encrypt+decrypt per frame",
      runtime: host?.version ?? "unknown",
      runs: RUNS,
      rounds: ROUNDS,
      warmup: WARMUP,
      cases: rows,
    },
    null,
    2,
  ),
);
