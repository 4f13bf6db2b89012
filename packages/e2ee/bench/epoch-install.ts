// What a new epoch costs each device's media key ring, by meeting size: the time installEpoch
// takes, and the first frame of a sender's stream in that epoch (its key derived then) against a
// later frame. The peer run, in the same process and rounds, derives every other member's seven
// decryption keys at install, as the ring did before keys were derived at a stream's first frame
// (ratio = lazy install / eager install). Median and p90 in milliseconds. Prints JSON.
// Run: node --import tsx packages/e2ee/bench/epoch-install.ts [rounds]
import {
  ALL_STREAMS,
  CONCLAVE_GROUP_PIN,
  createMediaKeyRing,
  createSframeContext,
  type EpochMediaKeys,
  encodeKid,
  type MediaKeyRing,
  mediaKindOf,
  suiteForStream,
} from "../src/index.ts";

const host = Reflect.get(globalThis, "process") as
  | { argv?: string[]; version?: string }
  | undefined;
const ROUNDS = Number(host?.argv?.[2] ?? 15);
const SIZES = [10, 25, 100];
const META = Uint8Array.of(0x9d, 0x01, 0x2a);

function epochKeys(epoch: bigint, own: number, people: number): EpochMediaKeys {
  return {
    epoch,
    epochAuthenticator: new Uint8Array(32).fill(Number(epoch % 251n)),
    ownLeafIndex: own,
    memberLeafIndexes: Array.from({ length: people }, (_, leaf) => leaf),
    pin: CONCLAVE_GROUP_PIN,
    baseKeys: { audio: new Uint8Array(48).fill(7), video: new Uint8Array(16).fill(9) },
  };
}

/** The previous ring's install: our keys plus every other member's seven decryption keys. */
async function eagerInstall(ring: MediaKeyRing, keys: EpochMediaKeys): Promise<void> {
  await ring.installEpoch(keys);
  const contexts = {
    audio: createSframeContext({ suite: suiteForStream("microphone", keys.pin) }),
    video: createSframeContext({ suite: suiteForStream("camera", keys.pin) }),
  };
  const jobs: Promise<void>[] = [];
  for (const member of keys.memberLeafIndexes) {
    if (member === keys.ownLeafIndex) continue;
    for (const stream of ALL_STREAMS) {
      const kind = mediaKindOf(stream);
      const kid = encodeKid(stream, member, keys.epoch);
      jobs.push(contexts[kind].addKey(kid, keys.baseKeys[kind], "decrypt"));
    }
  }
  await Promise.all(jobs);
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

function summarize(samples: number[]): { medianMs: number; p90Ms: number } {
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  const round = (ms: number | undefined) => Math.round((ms ?? Number.NaN) * 100) / 100;
  return { medianMs: round(at(0.5)), p90Ms: round(at(0.9)) };
}

async function measure(people: number) {
  const lazy: number[] = [];
  const eager: number[] = [];
  const firstFrame: number[] = [];
  const laterFrame: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const epoch = BigInt(round + 1);
    const receiver = createMediaKeyRing();
    lazy.push(await timed(() => receiver.installEpoch(epochKeys(epoch, 0, people))));
    const baseline = createMediaKeyRing();
    eager.push(await timed(() => eagerInstall(baseline, epochKeys(epoch, 0, people))));
    const sender = createMediaKeyRing();
    await sender.installEpoch(epochKeys(epoch, people - 1, people));
    const frames = [];
    for (let i = 0; i < 2; i++) {
      const sealed = await sender.encrypt("camera", META, new Uint8Array(1000).fill(i));
      if (!sealed.ok) throw new Error("encrypt failed");
      frames.push(sealed.frame);
    }
    const [first, later] = frames as [Uint8Array, Uint8Array];
    firstFrame.push(await timed(() => receiver.decrypt(META, first)));
    laterFrame.push(await timed(() => receiver.decrypt(META, later)));
    for (const ring of [receiver, baseline, sender]) ring.close();
  }
  const install = summarize(lazy);
  const eagerInstallFigures = summarize(eager);
  return {
    people,
    install,
    eagerInstall: eagerInstallFigures,
    ratio: Math.round((install.medianMs / eagerInstallFigures.medianMs) * 1000) / 1000,
    firstFrameOfAStream: summarize(firstFrame),
    laterFrame: summarize(laterFrame),
  };
}

const results = [];
for (const people of SIZES) results.push(await measure(people));
console.log(
  JSON.stringify(
    { bench: "epoch-install", node: host?.version, rounds: ROUNDS, sizes: results },
    null,
    2,
  ),
);
