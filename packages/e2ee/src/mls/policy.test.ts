import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createCommit, createProposal, encodeMlsMessage } from "ts-mls";
import { isE2eeError } from "../errors.ts";
import { loadMlsCiphersuite } from "./ciphersuite.ts";
import { addMembers, selfUpdate } from "./commits.ts";
import { createDeviceIdentity } from "./credential.ts";
import { processIncoming } from "./incoming.ts";
import { makeKeyPackage } from "./key-package.ts";
import { addedKeyPackages, type MlsPolicy, type PolicyInput } from "./policy.ts";
import { createMeeting, type MlsSession } from "./session.ts";
import { joinFromWelcome } from "./welcome.ts";

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isE2eeError(error), String(error));
    assert.equal(error.code, code);
    return true;
  });
}

async function pair(policy?: MlsPolicy): Promise<[MlsSession, MlsSession]> {
  const suite = await loadMlsCiphersuite();
  const dev = (n: string) => createDeviceIdentity({ displayName: n, deviceId: n }, suite);
  const alice = await createMeeting(await dev("alice"));
  const bob = await makeKeyPackage(await dev("bob"), suite);
  const add = await addMembers(alice.session, [bob.encoded]);
  const joined = await joinFromWelcome(bob, add.welcome, policy ? { policy } : {});
  return [add.session, joined.session];
}

describe("policy hook", () => {
  it("sees the committer, the resolved proposals and the authenticated data of a received commit", async () => {
    const seen: PolicyInput[] = [];
    const record: MlsPolicy = (input) => {
      seen.push(input);
      return { accept: true };
    };
    const [alice, bob] = await pair(record);
    const suite = await loadMlsCiphersuite();
    const carol = await makeKeyPackage(
      await createDeviceIdentity({ displayName: "carol", deviceId: "c" }, suite),
      suite,
    );
    const add = await addMembers(alice, [carol.encoded], {
      authenticatedData: Uint8Array.of(7, 7),
    });
    await processIncoming(bob, add.commit);
    const commit = seen.find((input) => input.kind === "commit");
    assert.ok(commit && commit.kind === "commit");
    assert.equal(commit.origin, "remote");
    assert.equal(commit.committer, 0);
    assert.deepEqual([...commit.authenticatedData], [7, 7]);
    assert.equal(addedKeyPackages(commit).length, 1);
    assert.ok(
      seen.some((input) => input.kind === "join"),
      "asked before joining",
    );
  });

  it("is asked about standalone proposals; a refused proposal leaves the state unchanged", async () => {
    const refuseRemoves: MlsPolicy = (input) =>
      input.kind === "proposal" && input.proposal.proposal.proposalType === "remove"
        ? { accept: false, reason: "no removes by proposal" }
        : { accept: true };
    const [alice, bob] = await pair(refuseRemoves);
    const proposal = await createProposal(
      alice.state,
      true,
      { proposalType: "remove", remove: { removed: 1 } },
      alice.suite,
    );
    await rejectsWith(
      processIncoming(bob, encodeMlsMessage(proposal.message)),
      "MLS_POLICY_REFUSED",
    );
    assert.deepEqual(bob.state.unappliedProposals, {});
    // A self-update after it still works from the same session.
    const update = await selfUpdate(bob);
    assert.equal(update.session.epoch, bob.epoch + 1n);
  });

  it("a commit that changes the group context extensions (the pin) is refused by every member", async () => {
    const [alice, bob] = await pair();
    const downgrade = await createCommit(
      { state: alice.state, cipherSuite: alice.suite },
      {
        wireAsPublicMessage: true,
        extraProposals: [
          { proposalType: "group_context_extensions", groupContextExtensions: { extensions: [] } },
        ],
      },
    );
    await rejectsWith(
      processIncoming(bob, encodeMlsMessage(downgrade.commit)),
      "MLS_POLICY_REFUSED",
    );
    assert.equal(bob.pin.e2eeRequired, true);
    assert.equal(bob.epoch, 1n);
  });
});
