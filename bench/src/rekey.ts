/**
 * `npm run bench:rekey -- --members 5,25,100 --runs 3`
 *
 * For each group size N: starts a real server process, joins N MLS member engines over raw
 * WebSockets (media-less: the founder first, then the rest at once, so commit duty batches their
 * KeyPackages) and waits until all agree on epoch, security code and roster size and every joiner's
 * own first update has landed; a size that does not settle within --join-budget-s is reported as
 * capped instead of timed. Then, `runs` times, one
 * member (never the one on commit duty) sends `leave` and closes its socket, and this process
 * times with performance.now() from that send until
 *   - committerMs: the member on commit duty adopts the echo of its own Remove commit;
 *   - receiverMs: one other member adopts that commit with the new epoch's media keys installed;
 *   - cpuMsPerMember: this process's CPU time over the leave per remaining member.
 * Prints one JSON object with medians over the runs.
 *
 * Every engine runs in this one process, so a receiver's time includes waiting for the other
 * engines that process the same commit on the same thread: the figures are an upper bound on what
 * one client on its own machine would see.
 */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import {
  createDeviceIdentity,
  createMeetingMember,
  deriveInviteKeys,
  type EpochEvent,
  type InviteKeys,
  loadMlsCiphersuite,
  type MeetingMember,
} from "@conclave/e2ee";
import {
  deriveRoomId,
  PROTOCOL_VERSION,
  parseServerMessage,
  toBase64url,
} from "@conclave/protocol";
import { WebSocket } from "ws";
import { startServer } from "../../packages/server/test/start-server.ts";

const { values } = parseArgs({
  options: {
    members: { type: "string", default: "5,25" },
    runs: { type: "string", default: "3" },
    // Per size: joining all members must converge within this, or the size is reported as capped.
    "join-budget-s": { type: "string", default: "240" },
  },
});
const sizes = (values.members ?? "").split(",").map(Number);
const runs = Number(values.runs);
const joinBudgetMs = Number(values["join-budget-s"]) * 1000;
if (
  !sizes.every((n) => Number.isInteger(n) && n >= 3) ||
  !Number.isInteger(runs) ||
  runs < 1 ||
  !(joinBudgetMs > 0)
) {
  console.error(
    "usage: bench:rekey -- --members N,N,... (each >= 3) --runs R>=1 [--join-budget-s S]",
  );
  process.exit(2);
}

/** A leave is timed out after this: the engines remove an explicit leaver at once. */
const LEAVE_DEADLINE_MS = 30_000;

interface Client {
  readonly name: string;
  readonly ws: WebSocket;
  readonly member: MeetingMember;
  readonly errors: string[];
  /** epochs this member moved to by its own commit (a joiner's first is its own update) */
  ownCommits: number;
}

interface JoinRoom {
  readonly wsUrl: string;
  readonly joinMessage: unknown;
  /** the room's invite keys: every bench member joins with the full link */
  readonly keys: InviteKeys;
}

async function join(room: JoinRoom, name: string): Promise<Client> {
  const identity = await createDeviceIdentity(
    { displayName: name, deviceId: `${name}-bench` },
    await loadMlsCiphersuite(),
  );
  const ws = new WebSocket(room.wsUrl);
  const member = createMeetingMember({
    identity,
    admission: { kind: "invite", keys: room.keys },
    send: (message) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    },
    // No periodic self-update during the run: only joins and the timed removals make epochs.
    selfUpdateMs: 3_600_000,
  });
  const errors: string[] = [];
  member.on("error", (e) => errors.push(`${e.code}: ${e.message}`));
  ws.on("message", (data) => member.receive(parseServerMessage(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  ws.send(JSON.stringify(room.joinMessage));
  const client: Client = { name, ws, member, errors, ownCommits: 0 };
  member.on("epoch", (e) => {
    if (e.reason === "own-commit") client.ownCommits++;
  });
  return client;
}

/** Why the clients do not agree yet, or undefined when they do. */
function divergence(clients: readonly Client[]): string | undefined {
  const joined = clients.filter((c) => c.member.joined).length;
  if (joined < clients.length) return `${joined}/${clients.length} joined`;
  const members = clients.map((c) => c.member);
  if (new Set(members.map((m) => m.epoch)).size !== 1) return "epochs differ";
  if (new Set(members.map((m) => m.securityCode)).size !== 1) return "security codes differ";
  if (!members.every((m) => m.roster.length === clients.length)) return "rosters differ in size";
  // A joiner commits its own update at once (packages/e2ee README): until every member has had a
  // commit accepted, epochs are still coming and a leave would race them.
  const waiting = clients.filter((c) => c.ownCommits === 0).length;
  if (waiting > 0) return `${waiting} own updates pending`;
  return undefined;
}

/** Waits until the clients agree; returns why not if the deadline passes first. */
async function converge(clients: readonly Client[], deadline: number): Promise<string | undefined> {
  for (;;) {
    const why = divergence(clients);
    if (why === undefined) return undefined;
    if (performance.now() > deadline) return why;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

interface LeaveTiming {
  readonly leaverLeaf: number;
  readonly committerLeaf: number;
  readonly committerMs: number;
  readonly receiverLeaf: number;
  readonly receiverMs: number;
  /** the first member other than the committer to have the new epoch and its media keys */
  readonly firstReceiverMs: number;
  /** until the last remaining member has the new epoch and its media keys */
  readonly allMs: number;
  /** this process's CPU time over the leave, per remaining member: one engine's own work */
  readonly cpuMsPerMember: number;
}

/** One member leaves; times the committer's own-commit and the receivers' epoch events. */
async function timeLeave(present: Client[], leaver: Client): Promise<LeaveTiming> {
  const leaverLeaf = leaver.member.ownLeaf;
  if (leaverLeaf === undefined) throw new Error(`${leaver.name} holds no leaf`);
  const stay = present.filter((c) => c !== leaver);
  // The receiver we report: the highest leaf that stays, so never the committer (lowest leaf).
  const receiver = stay.reduce((a, b) =>
    (b.member.ownLeaf ?? 0) > (a.member.ownLeaf ?? 0) ? b : a,
  );
  let committer: { leaf: number; at: number } | undefined;
  let firstReceiverAt = Number.POSITIVE_INFINITY;
  const keyed = new Map<Client, number>();
  const removes = (e: EpochEvent) => e.removed.includes(leaverLeaf);
  const unsubscribe = stay.map((c) =>
    c.member.on("epoch", (e) => {
      if (!removes(e)) return;
      const at = performance.now();
      if (e.reason === "own-commit") committer = { leaf: c.member.ownLeaf ?? -1, at };
      if (e.mediaKeysInstalled && c.member.mediaKeyRing.currentEpoch === e.epoch) {
        keyed.set(c, at);
        if (e.reason === "commit") firstReceiverAt = Math.min(firstReceiverAt, at);
      }
    }),
  );
  try {
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    leaver.member.close();
    leaver.ws.send(JSON.stringify({ type: "leave" }));
    leaver.ws.close();
    const deadline = start + LEAVE_DEADLINE_MS;
    while ((committer === undefined || keyed.size < stay.length) && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const cpu = process.cpuUsage(cpuBefore);
    const receiverAt = keyed.get(receiver);
    if (committer === undefined || receiverAt === undefined || keyed.size < stay.length)
      throw new Error(
        `removal of leaf ${leaverLeaf} not adopted by all within ${LEAVE_DEADLINE_MS} ms ` +
          `(${keyed.size}/${stay.length} keyed, committer ${committer ? "seen" : "not seen"})`,
      );
    if (committer.leaf === leaverLeaf || receiver.member.ownLeaf === committer.leaf)
      throw new Error("the receiver or the leaver was the committer");
    return {
      leaverLeaf,
      committerLeaf: committer.leaf,
      committerMs: committer.at - start,
      receiverLeaf: receiver.member.ownLeaf ?? -1,
      receiverMs: receiverAt - start,
      firstReceiverMs: firstReceiverAt - start,
      allMs: Math.max(...keyed.values()) - start,
      cpuMsPerMember: (cpu.user + cpu.system) / 1000 / stay.length,
    };
  } finally {
    for (const off of unsubscribe) off();
  }
}

async function benchSize(n: number): Promise<Record<string, unknown>> {
  const server = await startServer({ MAX_PARTICIPANTS: String(n + 10) });
  const present: Client[] = [];
  try {
    const secret = toBase64url(crypto.getRandomValues(new Uint8Array(32)));
    const link = await deriveRoomId(secret);
    const keys = await deriveInviteKeys(secret);
    if (!link || !keys) throw new Error("room derivation failed");
    const room: JoinRoom = {
      keys,
      wsUrl: `${server.url.replace(/^http/, "ws")}/ws`,
      joinMessage: {
        type: "join",
        protocol: PROTOCOL_VERSION,
        roomId: link.roomId,
        serverKey: link.serverKey,
      },
    };
    const started = performance.now();
    const deadline = started + joinBudgetMs;
    present.push(await join(room, "m0"));
    const founder = present[0];
    while (!founder?.member.joined && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    if (!founder?.member.joined) throw new Error("the founder did not found the group");
    for (let i = 1; i < n; i++) present.push(await join(room, `m${i}`));
    const why = await converge(present, deadline);
    const joinAllMs = performance.now() - started;
    if (why !== undefined) {
      return {
        members: n,
        capped: `not converged within the ${joinBudgetMs / 1000} s join budget: ${why}`,
        joinedAtCap: present.filter((c) => c.member.joined).length,
        epochAtCap: String(present[0]?.member.epoch),
      };
    }
    const epochs = Number(present[0]?.member.epoch ?? -1);
    // Let stray work (late name hellos, KeyPackage refreshes) drain before timing.
    await Promise.all(present.map((c) => c.member.idle()));

    const timings: LeaveTiming[] = [];
    for (let run = 0; run < runs; run++) {
      // Leave a different member each run, never the lowest leaf (commit duty): the second-lowest
      // leaf, whose departure makes the committer's Remove touch the left of the tree.
      const byLeaf = [...present].sort((a, b) => (a.member.ownLeaf ?? 0) - (b.member.ownLeaf ?? 0));
      const leaver = byLeaf[1 + (run % (byLeaf.length - 2))];
      if (!leaver) throw new Error("no member to leave");
      timings.push(await timeLeave(present, leaver));
      present.splice(present.indexOf(leaver), 1);
      const settled = await converge(present, performance.now() + LEAVE_DEADLINE_MS);
      if (settled !== undefined) throw new Error(`no convergence after a leave: ${settled}`);
    }
    const errors = present.flatMap((c) => c.errors.map((e) => `${c.name}: ${e}`));
    return {
      members: n,
      committerMs: round(median(timings.map((t) => t.committerMs))),
      receiverMs: round(median(timings.map((t) => t.receiverMs))),
      firstReceiverMs: round(median(timings.map((t) => t.firstReceiverMs))),
      lastReceiverMs: round(median(timings.map((t) => t.allMs))),
      cpuMsPerMember: round(median(timings.map((t) => t.cpuMsPerMember))),
      joinAllMs: Math.round(joinAllMs),
      epochs,
      runs: timings.map((t) => ({
        leaverLeaf: t.leaverLeaf,
        committerLeaf: t.committerLeaf,
        receiverLeaf: t.receiverLeaf,
        committerMs: round(t.committerMs),
        receiverMs: round(t.receiverMs),
        firstReceiverMs: round(t.firstReceiverMs),
        lastReceiverMs: round(t.allMs),
      })),
      engineErrors: errors.slice(0, 5),
    };
  } finally {
    for (const c of present) {
      c.member.close();
      c.ws.close();
    }
    await server.stop();
  }
}

const results: Record<string, unknown>[] = [];
for (const n of sizes) results.push(await benchSize(n));
console.log(
  JSON.stringify({
    bench: "rekey",
    runs,
    sizes: results,
    note:
      "medians over runs; ms from the leave being sent; every member engine and the server share " +
      `this machine (${availableParallelism()} cores, Node ` +
      `${process.version}), engines share one thread, so receiver times include the other ` +
      "engines' work on the same commit",
  }),
);
