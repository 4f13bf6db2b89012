// Cost of MLS membership changes on ts-mls 1.6.4 (suite 1) at 5, 25 and 100 members: creating and
// processing an add commit, joining from its Welcome, creating and processing a remove commit, and
// installing one epoch's media keys in a MediaKeyRing. Medians in ms over several runs; sessions
// are pure values, so every run starts from the same group. The group is made by one batch add
// followed by a self-update of every tenth member, so it is not the all-blank fresh tree alone.
// Prints JSON. Run: node --import tsx packages/e2ee/bench/mls.ts [sizes...]
import {
  addMembers,
  createDeviceIdentity,
  createMediaKeyRing,
  createMeeting,
  deriveEpochMediaKeys,
  joinFromWelcome,
  loadMlsCiphersuite,
  type MlsSession,
  makeKeyPackage,
  mediaEpochSource,
  processIncoming,
  removeMembers,
  selfUpdate,
} from "../src/index.ts";

const host = Reflect.get(globalThis, "process") as
  | { argv?: string[]; version?: string }
  | undefined;
const requested = (host?.argv ?? [])
  .slice(2)
  .map(Number)
  .filter((n) => n >= 3);
const SIZES = requested.length > 0 ? requested : [5, 25, 100];
const runsFor = (members: number) => (members <= 5 ? 15 : members <= 25 ? 9 : 5);

const suite = await loadMlsCiphersuite();
const device = (name: string) => createDeviceIdentity({ displayName: name, deviceId: name }, suite);

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return Math.round(value * 10) / 10;
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await run();
  return [value, performance.now() - start];
}

/** A group of `members`: founder and one observer member, both with sessions. */
async function group(members: number): Promise<{ founder: MlsSession; observer: MlsSession }> {
  let founder = (await createMeeting(await device("m0"))).session;
  const bundles = [];
  for (let i = 1; i < members; i++)
    bundles.push(await makeKeyPackage(await device(`m${i}`), suite));
  const add = await addMembers(
    founder,
    bundles.map((b) => b.encoded),
  );
  founder = add.session;
  const first = bundles[0];
  if (first === undefined) throw new Error("need at least 2 members");
  let observer = (await joinFromWelcome(first, add.welcome)).session;
  // The observer updates its path so the tree has some filled parents.
  const update = await selfUpdate(observer);
  observer = update.session;
  founder = (await processIncoming(founder, update.commit)).session;
  return { founder, observer };
}

const results = [];
for (const members of SIZES) {
  const { founder, observer } = await group(members - 1);
  const samples = {
    addCreateMs: [] as number[],
    addProcessMs: [] as number[],
    joinMs: [] as number[],
    removeCreateMs: [] as number[],
    removeProcessMs: [] as number[],
    ringInstallMs: [] as number[],
  };
  const runs = runsFor(members);
  for (let run = 0; run < runs; run++) {
    const joiner = await makeKeyPackage(await device(`joiner${run}`), suite);
    const [add, addCreate] = await timed(() => addMembers(founder, [joiner.encoded]));
    const [, addProcess] = await timed(() => processIncoming(observer, add.commit));
    const [, join] = await timed(() => joinFromWelcome(joiner, add.welcome));
    const last = Math.max(...add.session.roster.map((e) => e.leafIndex));
    const observerAfterAdd = (await processIncoming(observer, add.commit)).session;
    const [remove, removeCreate] = await timed(() => removeMembers(add.session, [last]));
    const [, removeProcess] = await timed(() => processIncoming(observerAfterAdd, remove.commit));
    const keys = await deriveEpochMediaKeys(mediaEpochSource(add.session));
    const ring = createMediaKeyRing();
    const [, install] = await timed(() => ring.installEpoch(keys));
    ring.close();
    samples.addCreateMs.push(addCreate);
    samples.addProcessMs.push(addProcess);
    samples.joinMs.push(join);
    samples.removeCreateMs.push(removeCreate);
    samples.removeProcessMs.push(removeProcess);
    samples.ringInstallMs.push(install);
  }
  results.push({
    members,
    runs,
    addCreateMs: median(samples.addCreateMs),
    addProcessMs: median(samples.addProcessMs),
    joinMs: median(samples.joinMs),
    removeCreateMs: median(samples.removeCreateMs),
    removeProcessMs: median(samples.removeProcessMs),
    ringInstallMs: median(samples.ringInstallMs),
  });
}

console.log(
  JSON.stringify(
    {
      bench: "mls",
      tsMls: "1.6.4",
      ciphersuite: suite.name,
      node: host?.version,
      note: "members = group size after the add; remove takes it back; ringInstallMs = one epoch installed in the ring: our own streams' SFrame keys (others' come at their first frame, bench/epoch-install.ts)",
      results,
    },
    null,
    2,
  ),
);
