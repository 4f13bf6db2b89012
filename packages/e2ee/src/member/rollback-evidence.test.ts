// Rollback evidence on real ts-mls groups: only reports signed by a majority of the members who
// could report, about the very commit a member applied, let it undo that commit.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { signWithLabel } from "ts-mls/crypto/signature.js";
import { removeMembers, selfUpdate } from "../mls/commits.ts";
import { processIncoming } from "../mls/incoming.ts";
import type { MlsSession } from "../mls/session.ts";
import { foundedGroup } from "../testing/founded-group.ts";
import {
  commitReference,
  type FailureReport,
  type RollbackClaim,
  signFailureReport,
  verifyRollback,
} from "./rollback-evidence.ts";

/** Five members at leaves 0-4, all in the same epoch. */
const group = () => foundedGroup(["m0", "m1", "m2", "m3", "m4"]);

function claimOf(
  epoch: bigint,
  commit: Uint8Array,
  reports: readonly FailureReport[],
): RollbackClaim {
  return { epoch, commit, reports: reports.map(({ leaf, signature }) => ({ leaf, signature })) };
}

function refused(verdict: { ok: boolean; reason?: string }, why: RegExp): void {
  assert.equal(verdict.ok, false);
  assert.match(verdict.reason ?? "", why);
}

function at(sessions: readonly MlsSession[], leaf: number): MlsSession {
  const session = sessions[leaf];
  assert.ok(session, `leaf ${leaf}`);
  return session;
}

describe("rollback evidence", () => {
  it("a majority of the other members' signed reports lets a member that applied the commit undo it", async () => {
    const sessions = await group();
    const commit = (await selfUpdate(at(sessions, 4))).commit;
    const applied = await commitReference(commit);
    // Leaf 0 applied it; leaves 1, 2 and 3 of the four who could report did not.
    assert.equal((await processIncoming(at(sessions, 0), commit)).event.kind, "commit");
    const reports = await Promise.all(
      [1, 2, 3].map((l) => signFailureReport(at(sessions, l), commit)),
    );
    const verdict = await verifyRollback(at(sessions, 0), claimOf(1n, commit, reports), applied);
    assert.ok(verdict.ok, verdict.ok ? "" : verdict.reason);
    assert.equal(verdict.commit.committer, 4);
    assert.equal(verdict.eligible, 4);
    assert.equal(verdict.reporters, 3);
    // A reporter, still in epoch 1, checks the same evidence without having applied anything.
    assert.ok((await verifyRollback(at(sessions, 1), claimOf(1n, commit, reports), undefined)).ok);
  });

  it("half of the members is no majority, and a repeated report counts once", async () => {
    const sessions = await group();
    const commit = (await selfUpdate(at(sessions, 4))).commit;
    const applied = await commitReference(commit);
    const two = await Promise.all([1, 2].map((l) => signFailureReport(at(sessions, l), commit)));
    const half = await verifyRollback(at(sessions, 0), claimOf(1n, commit, two), applied);
    refused(half, /2 of 4 .* no majority/);
    const [first] = two;
    assert.ok(first);
    const repeated = await verifyRollback(
      at(sessions, 0),
      claimOf(1n, commit, [first, first, first]),
      applied,
    );
    refused(repeated, /two reports from leaf 1/);
  });

  it("the committer's report and a removed member's report do not count", async () => {
    const sessions = await group();
    // Leaf 0 removes leaf 4: leaves 1, 2 and 3 may report; 0 and 4 may not.
    const commit = (await removeMembers(at(sessions, 0), [4])).commit;
    const applied = await commitReference(commit);
    const byCommitter = await signFailureReport(at(sessions, 0), commit);
    const byRemoved = await signFailureReport(at(sessions, 4), commit);
    const one = await signFailureReport(at(sessions, 1), commit);
    for (const reports of [
      [byRemoved, one],
      [byCommitter, one],
    ]) {
      const verdict = await verifyRollback(at(sessions, 2), claimOf(1n, commit, reports), applied);
      refused(verdict, /may not report/);
    }
    const two = await Promise.all([1, 3].map((l) => signFailureReport(at(sessions, l), commit)));
    const verdict = await verifyRollback(at(sessions, 2), claimOf(1n, commit, two), applied);
    assert.ok(verdict.ok, "two of the three who may report");
    assert.deepEqual(verdict.commit.removed, [4]);
  });

  it("a report signed by another member, or under another label, is refused", async () => {
    const sessions = await group();
    const commit = (await selfUpdate(at(sessions, 4))).commit;
    const applied = await commitReference(commit);
    const [one, two] = await Promise.all(
      [1, 2].map((l) => signFailureReport(at(sessions, l), commit)),
    );
    assert.ok(one && two);
    // Leaf 2's signature claimed for leaf 3: the key at leaf 3 does not verify it.
    const moved = { leaf: 3, signature: two.signature };
    const verdict = await verifyRollback(
      at(sessions, 0),
      { epoch: 1n, commit, reports: [one, two, moved] },
      applied,
    );
    refused(verdict, /leaf 3 is not signed by it/);
    // Leaf 3's own key, but a signature over the bare reference under an MLS label.
    const three = at(sessions, 3);
    const signature = await signWithLabel(
      three.state.signaturePrivateKey,
      "FramedContentTBS",
      applied,
      three.suite.signature,
    );
    const relabelled = await verifyRollback(
      at(sessions, 0),
      { epoch: 1n, commit, reports: [one, two, { leaf: 3, signature }] },
      applied,
    );
    refused(relabelled, /leaf 3 is not signed by it/);
  });

  it("reports about another commit cannot undo the commit a member applied", async () => {
    const sessions = await group();
    // The server orders leaf 4's update, then relays reports a majority made about another commit
    // of the same epoch (say one it corrupted for them).
    const ordered = (await selfUpdate(at(sessions, 4))).commit;
    const other = (await selfUpdate(at(sessions, 3))).commit;
    const reports = await Promise.all(
      [1, 2, 3].map((l) => signFailureReport(at(sessions, l), other)),
    );
    const verdict = await verifyRollback(
      at(sessions, 0),
      claimOf(1n, other, reports),
      await commitReference(ordered),
    );
    refused(verdict, /another commit than the one we applied/);
    // Nor does the ordered commit with those reports: their signatures cover the other one.
    const swapped = await verifyRollback(
      at(sessions, 0),
      claimOf(1n, ordered, reports),
      await commitReference(ordered),
    );
    refused(swapped, /is not signed by it/);
  });

  it("reports of one epoch do not serve for the next", async () => {
    const sessions = await group();
    const update = await selfUpdate(at(sessions, 4));
    const reports = await Promise.all(
      [1, 2, 3].map((l) => signFailureReport(at(sessions, l), update.commit)),
    );
    const next = (await processIncoming(at(sessions, 0), update.commit)).session;
    const verdict = await verifyRollback(next, claimOf(1n, update.commit, reports), undefined);
    refused(verdict, /a rollback of epoch 1, checked in 2/);
  });
});
