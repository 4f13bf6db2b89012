/**
 * `npm run bench:rekey -- --members 5,25,100 --runs 3 [--suites x25519,xwing] [--redis]`
 *
 * `--redis`: the server writes every Delivery Service message through a real redis-server started
 * here (REDIS_URL, docs/operations.md "Several machines with Redis") before it sends it.
 *
 * Each MLS suite (mls/ciphersuite.ts: `x25519` is suite 1, `xwing` the post-quantum X-Wing suite)
 * in the same run, one after the other, each size on a fresh server. Per suite it also reports
 * the size of a KeyPackage, and per size the largest Welcome the committer sent while the crowd
 * joined and a latecomer's join: the Welcome into the n-member group and the time it took to
 * process it.
 *
 * Re-key on removal, timed where it matters: at the member on commit duty and at one receiver, each
 * a full MLS member engine in a process of its own (bench/src/rekey-member.ts), as on two separate
 * devices. For each group size N it starts the real server, joins the committer (the founder,
 * lowest leaf) and the receiver, then N-2 media-less crowd members whose only part is to upload a
 * KeyPackage and keep their connection: their own processing of later commits happens on their own
 * devices in a real meeting and is not on the timed path (the Delivery Service waits for nobody).
 * They never send their first update, so the tree keeps the blank parents and unmerged leaves of a
 * mass join: the expensive shape for a Remove. Then, `runs` times, the harness asks the committer
 * (the host) to remove a crowd member and times, on the machine-wide clock, from that request until
 *   - committerMs: the committer adopts the echo of its own Remove commit;
 *   - receiverMs: the receiver has the new epoch with its media keys installed.
 * Prints one JSON object with medians over the runs.
 */
import { type ChildProcess, fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import {
  createDeviceIdentity,
  createMeetingMember,
  deriveInviteKeys,
  type InviteKeys,
  loadMlsCiphersuite,
  type MlsCiphersuiteName,
  makeKeyPackage,
} from "@conclave/e2ee";
import {
  deriveRoomId,
  PROTOCOL_VERSION,
  parseServerMessage,
  toBase64url,
} from "@conclave/protocol";
import { WebSocket } from "ws";
import { startRedis } from "../../packages/server/test/redis-server.ts";
import { startServer } from "../../packages/server/test/start-server.ts";
import type { MemberCommand, MemberReport, MemberStart } from "./rekey-member.ts";

const { values } = parseArgs({
  options: {
    members: { type: "string", default: "5,25" },
    runs: { type: "string", default: "3" },
    suites: { type: "string", default: "x25519,xwing" },
    // Per size: joining all members must converge within this, or the size is reported as capped.
    "join-budget-s": { type: "string", default: "240" },
    redis: { type: "boolean", default: false },
  },
});
const SUITES: Record<string, MlsCiphersuiteName> = {
  x25519: "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
  xwing: "MLS_256_XWING_AES256GCM_SHA512_Ed25519",
};
const suites = (values.suites ?? "").split(",").map((s) => SUITES[s]);
const sizes = (values.members ?? "").split(",").map(Number);
const runs = Number(values.runs);
const joinBudgetMs = Number(values["join-budget-s"]) * 1000;
if (
  !sizes.every((n) => Number.isInteger(n) && n >= 3) ||
  !suites.every((s) => s !== undefined) ||
  !Number.isInteger(runs) ||
  runs < 1 ||
  !(joinBudgetMs > 0)
) {
  console.error(
    "usage: bench:rekey -- --members N,N,... (each >= 3) --runs R>=1 [--join-budget-s S] " +
      "[--suites x25519,xwing] [--redis]",
  );
  process.exit(2);
}

/** A leave is timed out after this: the engines remove an explicit leaver at once. */
const LEAVE_DEADLINE_MS = 30_000;
const MEMBER_SCRIPT = new URL("./rekey-member.ts", import.meta.url);
const clock = () => performance.timeOrigin + performance.now();

type StateReport = Extract<MemberReport, { type: "state" }>;
type EpochReport = Extract<MemberReport, { type: "epoch" }>;
type JoinedReport = Extract<MemberReport, { type: "joined" }>;

/** A full member engine in its own process. */
class RemoteMember {
  readonly child: ChildProcess;
  state: StateReport | null = null;
  readonly epochs: EpochReport[] = [];
  joined: JoinedReport | null = null;
  /** The largest Welcome this member sent. */
  welcomeBytesMax = 0;

  constructor(start: MemberStart) {
    this.child = fork(MEMBER_SCRIPT, { execArgv: ["--import", "tsx"], stdio: "inherit" });
    this.child.on("message", (message: MemberReport) => {
      if (message.type === "state") this.state = message;
      else if (message.type === "joined") this.joined = message;
      else if (message.type === "sent-welcome") {
        this.welcomeBytesMax = Math.max(this.welcomeBytesMax, message.welcomeBytes);
      } else this.epochs.push(message);
    });
    this.child.send(start);
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
    this.child.kill();
  }
}

/** A crowd member: uploads one KeyPackage, then only keeps its connection open. */
interface Passive {
  readonly ws: WebSocket;
}

interface Room {
  readonly wsUrl: string;
  readonly joinMessage: unknown;
  readonly keys: InviteKeys;
  readonly suite: MlsCiphersuiteName;
}

async function passiveJoin(room: Room, name: string): Promise<Passive> {
  const identity = await createDeviceIdentity(
    { displayName: name, deviceId: `${name}-bench` },
    await loadMlsCiphersuite(),
  );
  const ws = new WebSocket(room.wsUrl);
  const member = createMeetingMember({
    identity,
    ciphersuite: room.suite,
    admission: { kind: "invite", keys: room.keys },
    send: (message) => {
      if (ws.readyState !== WebSocket.OPEN || message.type !== "mls-key-package") return;
      ws.send(JSON.stringify(message));
      member.close(); // its part is done: the KeyPackage is on its way
    },
  });
  ws.on("message", (data) => {
    const message = parseServerMessage(data.toString());
    if (message.type === "welcome") member.receive(message);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  ws.send(JSON.stringify(room.joinMessage));
  return { ws };
}

async function until(what: () => boolean, deadline: number): Promise<boolean> {
  while (!what()) {
    if (clock() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

interface LeaveTiming {
  readonly removedLeaf: number;
  readonly committerMs: number;
  readonly receiverMs: number;
}

/** One crowd member leaves; times the committer's own commit and the receiver's new keys. */
async function timeLeave(
  leaver: Passive,
  committer: RemoteMember,
  receiver: RemoteMember,
): Promise<LeaveTiming> {
  const seen = { committer: committer.epochs.length, receiver: receiver.epochs.length };
  const start = clock();
  // The host removes a crowd member: a leaver's own goodbye would make its leaf due at once, but
  // crowd members keep no group state to sign one, and the server's word alone waits out the
  // reconnection window (docs/e2ee.md "Leaving"). The Remove commit is the same.
  committer.child.send({
    type: "remove",
    spare: receiver.state?.leaf ?? -1,
  } satisfies MemberCommand);
  leaver.ws.close();
  const removal = (member: RemoteMember, from: number, reason: string) =>
    member.epochs
      .slice(from)
      .find((e) => e.reason === reason && e.removed.length > 0 && e.mediaKeysInstalled);
  const deadline = start + LEAVE_DEADLINE_MS;
  const done = await until(
    () =>
      removal(committer, seen.committer, "own-commit") !== undefined &&
      removal(receiver, seen.receiver, "commit") !== undefined,
    deadline,
  );
  const own = removal(committer, seen.committer, "own-commit");
  const theirs = removal(receiver, seen.receiver, "commit");
  if (!done || !own || !theirs) throw new Error(`the removal was not adopted within the deadline`);
  if (own.epoch !== theirs.epoch || own.removed.join() !== theirs.removed.join())
    throw new Error("the committer and the receiver adopted different commits");
  return {
    removedLeaf: own.removed[0] ?? -1,
    committerMs: own.at - start,
    receiverMs: theirs.at - start,
  };
}

async function benchSize(n: number, suite: MlsCiphersuiteName): Promise<Record<string, unknown>> {
  // Every member connects from loopback: one address, so its connection cap must hold them all.
  const server = await startServer({
    MAX_PARTICIPANTS: String(n + 10),
    MAX_CONNECTIONS_PER_ADDRESS: String(Math.max(200, n + 10)),
    ...(redis ? { REDIS_URL: redis.url } : {}),
  });
  const crowd: Passive[] = [];
  const remotes: RemoteMember[] = [];
  try {
    const secret = toBase64url(crypto.getRandomValues(new Uint8Array(32)));
    const link = await deriveRoomId(secret);
    const keys = await deriveInviteKeys(secret);
    if (!link || !keys) throw new Error("room derivation failed");
    const room: Room = {
      keys,
      suite,
      wsUrl: `${server.url.replace(/^http/, "ws")}/ws`,
      joinMessage: {
        type: "join",
        protocol: PROTOCOL_VERSION,
        roomId: link.roomId,
        serverKey: link.serverKey,
      },
    };
    const started = clock();
    const deadline = started + joinBudgetMs;
    const start = { wsUrl: room.wsUrl, joinMessage: room.joinMessage, secret, suite };
    const committer = new RemoteMember({ ...start, name: "committer" });
    remotes.push(committer);
    if (!(await until(() => committer.state?.joined === true, deadline)))
      throw new Error("the committer did not found the group");
    const receiver = new RemoteMember({ ...start, name: "receiver" });
    remotes.push(receiver);
    // The receiver's own first update lands before the crowd comes (a tree it can join).
    if (!(await until(() => (receiver.state?.ownCommits ?? 0) > 0, deadline)))
      throw new Error("the receiver did not join");
    for (let i = 0; i < n - 2; i++) crowd.push(await passiveJoin(room, `crowd${i}`));
    const settled = () =>
      committer.state?.rosterSize === n &&
      receiver.state?.rosterSize === n &&
      committer.state.epoch === receiver.state.epoch;
    if (!(await until(settled, deadline))) {
      return {
        members: n,
        capped: `not converged within the ${joinBudgetMs / 1000} s join budget`,
        committerRoster: committer.state?.rosterSize,
        receiverRoster: receiver.state?.rosterSize,
        welcomeBytesMax: committer.welcomeBytesMax,
        engineErrors: committer.state?.errors ?? [],
      };
    }
    const joinAllMs = clock() - started;
    const epochs = Number(committer.state?.epoch ?? -1);

    const timings: LeaveTiming[] = [];
    for (let run = 0; run < runs; run++) {
      const leaver = crowd[(run * 7) % crowd.length];
      if (!leaver) throw new Error("no member to leave");
      crowd.splice(crowd.indexOf(leaver), 1);
      timings.push(await timeLeave(leaver, committer, receiver));
    }
    // One more joiner into the group of n - runs members: its Welcome and the time to process it.
    const latecomer = new RemoteMember({ ...start, name: "latecomer" });
    remotes.push(latecomer);
    const late = (await until(() => latecomer.joined !== null, clock() + LEAVE_DEADLINE_MS))
      ? latecomer.joined
      : null;
    return {
      members: n,
      committerMs: round(median(timings.map((t) => t.committerMs))),
      receiverMs: round(median(timings.map((t) => t.receiverMs))),
      joinAllMs: Math.round(joinAllMs),
      welcomeBytesMax: committer.welcomeBytesMax,
      latecomerWelcomeBytes: late?.welcomeBytes ?? null,
      latecomerJoinMs: late === null ? null : round(late.joinMs),
      epochs,
      runs: timings.map((t) => ({
        removedLeaf: t.removedLeaf,
        committerMs: round(t.committerMs),
        receiverMs: round(t.receiverMs),
      })),
      engineErrors: [...(committer.state?.errors ?? []), ...(receiver.state?.errors ?? [])],
    };
  } finally {
    for (const c of crowd) c.ws.close();
    for (const r of remotes) r.stop();
    await server.stop();
  }
}

const redis = values.redis ? await startRedis() : null;
const results: Record<string, unknown>[] = [];
for (const suite of suites as MlsCiphersuiteName[]) {
  const identity = await createDeviceIdentity(
    { displayName: "sizer", deviceId: "sizer-bench" },
    await loadMlsCiphersuite(),
  );
  const keyPackage = await makeKeyPackage(identity, await loadMlsCiphersuite(suite));
  const bySize: Record<string, unknown>[] = [];
  for (const n of sizes) {
    bySize.push(
      await benchSize(n, suite).catch((error: unknown) => ({
        members: n,
        failed: error instanceof Error ? error.message : String(error),
      })),
    );
  }
  results.push({ suite, keyPackageBytes: keyPackage.encoded.length, sizes: bySize });
}
console.log(
  JSON.stringify({
    bench: "rekey",
    runs,
    redis: redis !== null,
    suites: results,
    note:
      "medians over runs; ms from the leave being sent; committer and receiver each in a process " +
      `of its own, sharing this machine (${availableParallelism()} cores, Node ${process.version}) ` +
      "with the server and the crowd's connections",
  }),
);
await redis?.stop();
