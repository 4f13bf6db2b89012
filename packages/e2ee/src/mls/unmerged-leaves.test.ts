// A joiner checks the unmerged leaves of the tree its Welcome brings (RFC 9420 §7.9.2): each leaf
// an unmerged list names is a non-blank descendant, and every non-blank node between it and that
// list's node names it too. Nodes above that node may name other leaves: an Add puts the leaf on
// every non-blank ancestor, and the committer's path then clears only the nodes it crosses.
// Meetings make such trees (one leaves, a neighbour updates, someone new takes the freed leaf); a
// joiner that refused them could not join at all.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RatchetTree } from "ts-mls";
import { validateRatchetTree } from "ts-mls/clientState.js";
import { toHex } from "../sframe/bytes.ts";
import { foundedGroup } from "../testing/founded-group.ts";
import { loadMlsCiphersuite } from "./ciphersuite.ts";
import { addMembers, removeMembers, selfUpdate } from "./commits.ts";
import { createDeviceIdentity } from "./credential.ts";
import { processIncoming } from "./incoming.ts";
import { makeKeyPackage } from "./key-package.ts";
import { CONCLAVE_CLIENT_CONFIG, exportSecret, type MlsSession } from "./session.ts";
import { joinFromWelcome } from "./welcome.ts";

async function device(name: string) {
  return createDeviceIdentity({ displayName: name, deviceId: name }, await loadMlsCiphersuite());
}

async function keyPackage(name: string) {
  return makeKeyPackage(await device(name), await loadMlsCiphersuite());
}

/** `by` (a leaf) makes a commit with `make`; every other member in `members` applies it. */
async function commitBy<T extends { session: MlsSession; commit: Uint8Array }>(
  members: Map<number, MlsSession>,
  by: number,
  make: (s: MlsSession) => Promise<T>,
): Promise<T> {
  const committer = members.get(by);
  assert.ok(committer);
  const made = await make(committer);
  for (const [leaf, session] of members) {
    members.set(
      leaf,
      leaf === by ? made.session : (await processIncoming(session, made.commit)).session,
    );
  }
  return made;
}

/** The unmerged leaves of each non-blank parent node, by node index. */
function unmerged(session: MlsSession): Map<number, number[]> {
  const lists = new Map<number, number[]>();
  session.state.ratchetTree.forEach((node, index) => {
    if (node?.nodeType === "parent") lists.set(index, [...node.parent.unmergedLeaves]);
  });
  return lists;
}

const exported = async (s: MlsSession) =>
  toHex(await exportSecret(s, "unmerged leaves test", new Uint8Array(), 16));

/**
 * Leaves 0..6 (node 9 spans leaves 4–5, node 11 leaves 4–7, the root 7 all), then what a meeting
 * does: Eli (leaf 4) leaves, which blanks nodes 9, 11 and the root; Gus (leaf 6) updates, his path
 * filling node 11 (Fay is below it) and the root again; Ada adds Hal into leaf 4 (an Add alone
 * needs no path: Hal is unmerged at node 11 and the root); Ben updates before Hal does, his path
 * clearing the root while node 11 keeps Hal; Ben adds Ivy into leaf 7. Returns the members and
 * Ivy's Welcome, not yet used.
 */
async function treeWithUnmergedLeaves() {
  const sessions = await foundedGroup(["ada", "ben", "cyd", "dee", "eli", "fay", "gus"]);
  const members = new Map(sessions.map((s, leaf) => [leaf, s]));
  await commitBy(members, 0, (s) => removeMembers(s, [4]));
  members.delete(4);
  await commitBy(members, 6, (s) => selfUpdate(s));
  const hal = await keyPackage("hal");
  const addHal = await commitBy(members, 0, (s) => addMembers(s, [hal.encoded]));
  members.set(4, (await joinFromWelcome(hal, addHal.welcome)).session);
  await commitBy(members, 1, (s) => selfUpdate(s));
  const ivy = await keyPackage("ivy");
  const addIvy = await commitBy(members, 1, (s) => addMembers(s, [ivy.encoded]));
  return { members, ben: members.get(1) as MlsSession, ivy, welcome: addIvy.welcome };
}

/** What a joiner's check says of `session`'s tree after `edit` (undefined: valid). */
async function validate(session: MlsSession, edit: (tree: RatchetTree) => void) {
  const tree = structuredClone(session.state.ratchetTree);
  edit(tree);
  const context = session.state.groupContext;
  const { lifetimeConfig, authService } = CONCLAVE_CLIENT_CONFIG;
  const error = await validateRatchetTree(
    tree,
    context,
    lifetimeConfig,
    authService,
    context.treeHash,
    session.suite,
  );
  return error?.message;
}

/** Sets the unmerged leaves of parent node `index`. */
function listAt(tree: RatchetTree, index: number, leaves: number[]): void {
  const node = tree[index];
  assert.equal(node?.nodeType, "parent");
  if (node?.nodeType === "parent") node.parent.unmergedLeaves = leaves;
}

describe("unmerged leaves in a joiner's tree", () => {
  it("trees that break RFC 9420 §7.9.2 are still refused", async () => {
    const { ben } = await treeWithUnmergedLeaves();
    assert.equal(await validate(ben, () => {}), undefined, "the tree as made is valid");
    assert.match(
      (await validate(ben, (tree) => listAt(tree, 11, [4]))) ?? "",
      /must list leaf node/,
      "the root lists Ivy, node 11 between them does not",
    );
    assert.match(
      (await validate(ben, (tree) => listAt(tree, 11, [0, 4, 7]))) ?? "",
      /non-blank descendant/,
      "node 11 lists Ada, who is not below it",
    );
  });

  it("someone added into a freed leaf beside an updated subtree joins, and the group converges", async () => {
    const { members, ben, ivy, welcome } = await treeWithUnmergedLeaves();
    assert.deepEqual(unmerged(ben).get(11), [4, 7], "Hal and Ivy are unmerged at node 11");
    assert.deepEqual(unmerged(ben).get(7), [7], "the root lists Ivy only");

    const joined = await joinFromWelcome(ivy, welcome);
    assert.equal(joined.session.ownLeafIndex, 7);
    const all = [...members.values(), joined.session];
    assert.equal(new Set(all.map((s) => s.epoch)).size, 1);
    assert.equal(new Set(await Promise.all(all.map(exported))).size, 1);
  });
});
