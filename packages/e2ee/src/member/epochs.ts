// Epochs and media keys: adopting a transition that moved us to a new epoch, what a new epoch
// brings (names and participant records forgotten for leaves that changed hands, uploads now
// added, the invite generation followed, this epoch's SFrame keys, the `epoch` and `roster`
// events, our `hello` to newcomers), and being removed. The key ring itself is the shell's:
// handlers say when to install keys in it, replace it or close it.
import { deriveEpochMediaKeys, mediaEpochSource } from "../media-keys/key-schedule.ts";
import { formatFingerprint } from "../mls/credential.ts";
import { rosterEntry } from "../mls/roster.ts";
import { exportSecret, type MlsSession, type Transition } from "../mls/session.ts";
import { followGeneration } from "./admission-gate.ts";
import { seal } from "./app-channel.ts";
import { encodeTyped } from "./app-message.ts";
import type { Draft } from "./draft.ts";
import type { EpochReason } from "./events.ts";
import type { Ctx } from "./member-state.ts";
import { leavesChangedHands } from "./participants.ts";
import { commitReference } from "./rollback-evidence.ts";
import { forgetNames, type RosterDiff, rebuildRoster, rosterDiff } from "./roster-view.ts";
import { dropAddedUploads, rejudgeUploads } from "./uploads.ts";

/**
 * What the previous holders of leaves that changed hands said or did (their names, goodbyes and
 * drops) is theirs, not the new holders': forgotten, on a commit or a rollback alike.
 */
export function forgetPreviousHolders(d: Draft, diff: RosterDiff): void {
  forgetNames(d, diff);
  d.set({ participants: leavesChangedHands(d.state.participants, diff.removed) });
}

/** Close the key ring and start a fresh one: it holds no epoch's keys. */
export function newRing(d: Draft): void {
  d.effect({ kind: "new-ring" });
  d.set({ ringEpoch: undefined });
}

/**
 * Adopts a transition that moved us to a new epoch: `commit` (its bytes as relayed), ours or
 * another's.
 */
export async function adopt(
  d: Draft,
  ctx: Ctx,
  transition: Transition,
  reason: EpochReason,
  committer: number | undefined,
  commit: Uint8Array,
): Promise<void> {
  const old = d.state.session;
  // The commit before this one can no longer be rolled back: its secrets go now.
  d.erase(d.state.unerased);
  d.set({
    previous: old,
    appliedRef: await commitReference(commit),
    unerased: transition.consumed,
    session: transition.session,
  });
  d.count("commitsAccepted");
  await newEpoch(d, ctx, old, reason, committer);
}

/** When our next self-update is due: 5 min ± 25 % (post-compromise security, jittered). */
function selfUpdateAt(ctx: Ctx): number {
  return ctx.now() + ctx.config.selfUpdateMs * (0.75 + 0.5 * ctx.random());
}

export async function newEpoch(
  d: Draft,
  ctx: Ctx,
  old: MlsSession | undefined,
  reason: EpochReason,
  committer: number | undefined,
): Promise<void> {
  const session = d.state.session;
  if (session === undefined) return;
  const diff = rosterDiff(old?.roster ?? [], session.roster);
  forgetPreviousHolders(d, diff);
  dropAddedUploads(d);
  let nextSelfUpdate = d.state.duty.nextSelfUpdate;
  if (reason === "own-commit" || old === undefined) nextSelfUpdate = selfUpdateAt(ctx);
  // A joiner updates at once: its leaf key sat in a KeyPackage on the server, and its update
  // clears the unmerged leaves its Add left on the tree (RFC 9420 §7.9).
  // So does a founder, so that no leaf keeps its first key and joiners' turns are never held up
  // by one that will not update.
  if (reason === "joined" || reason === "founded") nextSelfUpdate = ctx.now();
  const duty = { ...d.state.duty, rekeySince: undefined, retryAfter: 0, epochSince: ctx.now() };
  d.set({ duty: { ...duty, nextSelfUpdate } });
  if (!session.active) {
    onRemoved(d, ctx, old, committer);
    return;
  }
  await followInviteGeneration(d, old !== undefined);
  const installed = await installMediaKeys(d, session);
  rebuildRoster(d, ctx);
  const rosterChanged = diff.added.length > 0 || diff.removed.length > 0;
  d.emit("epoch", {
    epoch: session.epoch,
    reason,
    committer,
    added: diff.added,
    removed: diff.removed,
    rosterChanged,
    mediaKeysInstalled: installed,
  });
  if (rosterChanged) d.emit("roster", d.state.roster);
  // New members cannot read what was said before they came: tell them our name again.
  if (diff.added.some((leaf) => leaf !== session.ownLeafIndex) || old === undefined) {
    await seal(d, encodeTyped({ t: "hello", displayName: ctx.config.identity.displayName }));
  }
}

/** This epoch's SFrame keys for the ring (RFC 9605 §5.2); false if we are not in the group. */
async function installMediaKeys(d: Draft, session: MlsSession): Promise<boolean> {
  if (!session.active) return false;
  const keys = await deriveEpochMediaKeys(mediaEpochSource(session));
  const { ringEpoch } = d.state;
  // Only after a rollback: a fresh ring, so no counter is ever reused under one key.
  if (ringEpoch !== undefined && keys.epoch <= ringEpoch) newRing(d);
  d.effect({ kind: "install-keys", keys });
  d.set({ ringEpoch: keys.epoch });
  return true;
}

/**
 * Replaces our invite keys when a commit raised the generation, and tells the page. Joining, we
 * take the group's generation as ours: only the epoch of the raising commit derives the next.
 */
export async function followInviteGeneration(d: Draft, byCommit: boolean): Promise<void> {
  const current = d.state.session;
  if (current === undefined) return;
  const generation = current.roles.inviteGeneration;
  const exporter = (label: string, context: Uint8Array, length: number) =>
    exportSecret(current, label, context, length);
  const followed = await followGeneration(
    d.state.gate,
    generation,
    byCommit ? exporter : undefined,
  );
  d.set({ gate: followed.gate });
  if (followed.secret === undefined) return;
  await rejudgeUploads(d);
  d.emit("invite-replaced", { generation, secret: followed.secret });
}

/**
 * A commit removed us: inert from now on (`previous` stays: a rollback may restore us). We say
 * who did it, as the roster before the commit showed the committer: a member removed while
 * connected is told by whom (docs/e2ee.md "Leaving and removal").
 */
export function onRemoved(
  d: Draft,
  ctx: Ctx,
  before: MlsSession | undefined,
  committer: number | undefined,
): void {
  const entry =
    before === undefined || committer === undefined
      ? undefined
      : rosterEntry(before.roster, committer);
  const by =
    entry === undefined
      ? undefined
      : {
          leaf: entry.leafIndex,
          fingerprint: formatFingerprint(entry.fingerprint),
          displayName: d.state.names.get(entry.leafIndex) ?? "",
        };
  d.set({ status: "removed", inFlight: undefined, ringEpoch: undefined });
  d.effect({ kind: "close-ring" });
  rebuildRoster(d, ctx);
  d.emit("removed", { epoch: d.state.session?.epoch ?? 0n, by });
}
