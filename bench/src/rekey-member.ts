/**
 * One MLS member engine in a process of its own, for `bench/src/rekey.ts`: it joins the room over
 * a raw WebSocket and reports its state and every epoch to the parent over IPC, with times on the
 * machine-wide clock (`performance.timeOrigin + performance.now()`), so the parent can time a
 * commit from its own send to this member's adoption without sharing a thread with it.
 */
import {
  createDeviceIdentity,
  createMeetingMember,
  deriveInviteKeys,
  loadMlsCiphersuite,
  type MlsCiphersuiteName,
} from "@conclave/e2ee";
import { fromBase64url, parseServerMessage } from "@conclave/protocol";
import { WebSocket } from "ws";

export interface MemberStart {
  readonly wsUrl: string;
  readonly joinMessage: unknown;
  /** The link's invite secret: the member joins with its admission keys, like a browser. */
  readonly secret: string;
  readonly name: string;
  /** The MLS suite to found the meeting with and to make KeyPackages in. */
  readonly suite: MlsCiphersuiteName;
}

export type MemberReport =
  | {
      readonly type: "state";
      readonly joined: boolean;
      readonly epoch: string | null;
      readonly rosterSize: number;
      readonly leaf: number | null;
      readonly ownCommits: number;
      readonly errors: readonly string[];
    }
  | {
      /** We joined from a Welcome: its size, and how long processing it took. */
      readonly type: "joined";
      readonly welcomeBytes: number;
      readonly joinMs: number;
    }
  | {
      /** We sent an Add's Welcome of this size. */
      readonly type: "sent-welcome";
      readonly welcomeBytes: number;
    }
  | {
      readonly type: "epoch";
      readonly at: number;
      readonly epoch: string;
      readonly reason: string;
      readonly removed: readonly number[];
      readonly mediaKeysInstalled: boolean;
    };

const clock = () => performance.timeOrigin + performance.now();

async function run(start: MemberStart): Promise<void> {
  const report = (message: MemberReport) => process.send?.(message);
  const identity = await createDeviceIdentity(
    { displayName: start.name, deviceId: `${start.name}-bench` },
    await loadMlsCiphersuite(start.suite),
  );
  const keys = await deriveInviteKeys(start.secret);
  if (!keys) throw new Error("bad invite secret");
  const ws = new WebSocket(start.wsUrl);
  const member = createMeetingMember({
    identity,
    admission: { kind: "invite", keys },
    ciphersuite: start.suite,
    send: (message) => {
      if (message.type === "mls-commit" && message.welcome !== null) {
        report({ type: "sent-welcome", welcomeBytes: fromBase64url(message.welcome)?.length ?? 0 });
      }
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    },
    // No periodic self-update during the run: only joins and the timed removals make epochs.
    selfUpdateMs: 3_600_000,
  });
  const errors: string[] = [];
  let ownCommits = 0;
  const state = () =>
    report({
      type: "state",
      joined: member.joined,
      epoch: member.epoch === undefined ? null : String(member.epoch),
      rosterSize: member.roster.length,
      leaf: member.ownLeaf ?? null,
      ownCommits,
      errors: errors.slice(-5),
    });
  member.on("error", (e) => errors.push(`${e.code}: ${e.message}`));
  member.on("epoch", (e) => {
    if (e.reason === "own-commit") ownCommits++;
    report({
      type: "epoch",
      at: clock(),
      epoch: String(e.epoch),
      reason: e.reason,
      removed: e.removed,
      mediaKeysInstalled: e.mediaKeysInstalled && member.mediaKeyRing.currentEpoch === e.epoch,
    });
    state();
  });
  let welcome: { at: number; bytes: number } | undefined;
  member.on("epoch", (e) => {
    if (e.reason === "joined" && welcome !== undefined) {
      report({ type: "joined", welcomeBytes: welcome.bytes, joinMs: clock() - welcome.at });
    }
  });
  ws.on("message", (data) => {
    const message = parseServerMessage(data.toString());
    if (message.type === "mls-welcome") {
      welcome = { at: clock(), bytes: fromBase64url(message.welcome)?.length ?? 0 };
    }
    member.receive(message);
  });
  ws.on("close", () => process.exit(0));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  ws.send(JSON.stringify(start.joinMessage));
  process.on("disconnect", () => {
    member.close();
    ws.close();
  });
  // As the host: remove the member at the highest leaf that is neither ours nor `spare`'s.
  process.on("message", (command: MemberCommand) => {
    if (command.type !== "remove") return;
    const leaf = member.roster
      .map((m) => m.leaf)
      .filter((l) => l !== member.ownLeaf && l !== command.spare)
      .at(-1);
    if (leaf !== undefined) void member.remove(leaf);
  });
}

/** From the harness after the start: remove one crowd member (the timed re-key). */
export interface MemberCommand {
  readonly type: "remove";
  /** a leaf not to remove: the receiver's */
  readonly spare: number;
}

process.once("message", (start: MemberStart) => {
  run(start).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
