// The server inbox's handlers on real MLS states: input state and message in, the next state and
// the effects out; the state given is never changed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROTOCOL_VERSION, type ServerMessage } from "@conclave/protocol";
import {
  adaAndBob,
  emitted,
  founded,
  freshState,
  inbox,
  memberCtx,
  pid,
  sent,
  snapshot,
  welcome,
} from "../testing/member-fixtures.ts";
import { initialState } from "./member-state.ts";

describe("server inbox", () => {
  it("a welcome with no group founds one: group of one, its media keys, our hello", async () => {
    const ctx = await memberCtx("ada");
    const before = await freshState();
    const seen = snapshot(before);
    const step = await inbox(before, ctx, welcome(pid(1), null));
    assert.equal(snapshot(before), seen, "the state given is unchanged");
    assert.equal(step.state.status, "member");
    assert.equal(step.state.founded, true);
    assert.equal(step.state.session?.epoch, 0n);
    assert.deepEqual(
      sent(step.effects).map((m) => m.type),
      ["mls-found", "mls-message"],
      "the group, then our signed hello",
    );
    const kinds = step.effects.map((e) => e.kind).filter((k) => k !== "emit");
    assert.deepEqual(kinds, ["new-ring", "erase", "send", "install-keys", "erase", "send"]);
    const epoch = emitted(step.effects).find((e) => e.name === "epoch");
    assert.deepEqual(epoch?.value, {
      epoch: 0n,
      reason: "founded",
      committer: undefined,
      added: [0],
      removed: [],
      rosterChanged: true,
      mediaKeysInstalled: true,
    });
    assert.equal(step.state.ringEpoch, 0n);
  });

  it("a welcome into a group uploads a KeyPackage with our proof and sealed name", async () => {
    const ctx = await memberCtx("bob");
    const before = await freshState();
    const step = await inbox(before, ctx, welcome(pid(2), { groupId: "A".repeat(22), epoch: 3 }));
    assert.equal(step.state.status, "joining");
    assert.equal(step.state.bundles.length, 1);
    const [upload] = sent(step.effects);
    assert.equal(upload?.type, "mls-key-package");
    assert.ok(upload?.type === "mls-key-package" && upload.proof && upload.name);
    assert.equal(step.state.keyPackageSentAt, ctx.now());
  });

  it("a knock uploads a KeyPackage on `lobby`, and a fresh one when it comes back to its knock", async () => {
    const ctx = await memberCtx("kim");
    const lobby = (resumed: boolean): ServerMessage => ({
      type: "lobby",
      protocol: PROTOCOL_VERSION,
      selfId: pid(5),
      group: { groupId: "A".repeat(22), epoch: 3 },
      resumed,
      resumeToken: "r".repeat(43),
    });
    const knocking = initialState({ kind: "knock", pinnedHost: undefined });
    const first = await inbox(knocking, ctx, lobby(false));
    assert.equal(first.state.status, "joining");
    const [upload] = sent(first.effects);
    assert.ok(upload?.type === "mls-key-package", "uploaded");
    assert.equal(upload.proof, undefined, "a knock proves nothing");
    // Its connection dropped, and the server forgot the upload with it: a fresh one.
    const back = await inbox(first.state, ctx, lobby(true));
    const [again] = sent(back.effects);
    assert.ok(again?.type === "mls-key-package", "uploaded again");
    assert.notEqual(again.keyPackage, upload.keyPackage);
    assert.equal(back.state.bundles.length, 2, "the last one kept: its Welcome may be on its way");
  });

  it("garbage is counted and reported, and changes nothing else", async () => {
    const ctx = await memberCtx("ada");
    const before = await founded(ctx);
    const seen = snapshot(before);
    const step = await inbox(before, ctx, {
      type: "mls-commit",
      from: pid(2),
      epoch: 7,
      commit: "!!!!",
    });
    assert.equal(snapshot(before), seen);
    assert.equal(step.state.stats.badInput, 1);
    assert.equal(snapshot({ ...step.state, stats: before.stats }), seen, "only the count moved");
    assert.deepEqual(emitted(step.effects), [
      {
        kind: "emit",
        name: "error",
        value: { code: "BAD_INPUT", message: "commit is not base64url" },
      },
    ]);
  });

  it("a KeyPackage already added once is refused as a replay and logged", async () => {
    const { adaCtx, ada, upload } = await adaAndBob();
    const seen = snapshot(ada);
    const step = await inbox(ada, adaCtx, upload);
    assert.equal(snapshot(ada), seen);
    assert.equal(step.state.uploads.size, 0, "it does not wait to be added");
    assert.equal(step.state.stats.keyPackagesRejected, 1);
    const security = emitted(step.effects).find((e) => e.name === "security");
    assert.equal(security?.name === "security" && security.value.reason, "key-package-replayed");
  });

  it("a participant the server says left, or dropped, keeps its place: only its goodbye counts", async () => {
    const { adaCtx, ada: before } = await adaAndBob();
    const bob = { id: pid(2), leaf: 1, audio: false, video: false };
    const ada = (await inbox(before, adaCtx, { type: "participant-updated", participant: bob }))
      .state;
    const left = await inbox(ada, adaCtx, { type: "participant-left", id: pid(2), reason: "left" });
    assert.equal(left.state.participants.left.size, 0);
    assert.equal(left.state.participants.byId.get(pid(2))?.disconnectedAt, adaCtx.now());
    const dropped = await inbox(ada, adaCtx, {
      type: "participant-left",
      id: pid(2),
      reason: "disconnected",
    });
    assert.equal(dropped.state.participants.left.size, 0);
    assert.equal(dropped.state.participants.byId.get(pid(2))?.disconnectedAt, adaCtx.now());
    assert.equal(ada.participants.byId.get(pid(2))?.disconnectedAt, undefined);
  });

  it("a resumed welcome drops the uploads of those it no longer lists: no leaf for nobody", async () => {
    const { adaCtx, upload } = await adaAndBob();
    const ada = await founded(adaCtx);
    const waiting = await inbox(ada, adaCtx, upload);
    assert.equal(waiting.state.uploads.size, 1, "Bob's KeyPackage waits to be added");
    const resumed = (listed: Parameters<typeof welcome>[2]) => {
      const message = welcome(pid(1), null, listed);
      return message.type === "welcome" ? { ...message, resumed: true } : message;
    };
    // The node that ran the meeting died with Bob's join; the one that took over never saw him.
    const without = await inbox(waiting.state, adaCtx, resumed([{ id: pid(1), leaf: 0 }]));
    assert.equal(without.state.uploads.size, 0, "Bob is gone: his upload waits no more");
    const ended = emitted(without.effects).filter((e) => e.name === "upload-ended");
    assert.deepEqual(
      ended.map((e) => e.value),
      [{ participantId: pid(2) }],
      "and the page is told, so no card offers to admit it",
    );
    const withBob = await inbox(
      waiting.state,
      adaCtx,
      resumed([
        { id: pid(1), leaf: 0 },
        { id: pid(2), leaf: null },
      ]),
    );
    assert.equal(withBob.state.uploads.size, 1, "Bob still listed: his upload still waits");
  });
});
