// MeetingMedia over real member engines and the in-memory Delivery Service: receive streams, key
// ring swaps, removed members and the next-epoch hold, as the browser's worker and the bot use it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MeetingMember } from "../member/meeting-member.ts";
import { TestMeeting, type TestParticipant } from "../testing/test-meeting.ts";
import { MeetingMedia } from "./meeting-media.ts";

/** A VP8 interframe: a 3-byte clear prefix (frame tag), then payload. */
const VP8 = Uint8Array.of(0x31, 0x02, 0x00, 7, 7, 7, 7);
const noTimers = { setInterval: () => 0, clearInterval: () => {} };

async function meetingOf(names: readonly string[]) {
  const meeting = new TestMeeting();
  for (const name of names) await meeting.connect(name);
  await meeting.converge(10_000);
  const media = new Map<string, MeetingMedia>();
  for (const p of meeting.present) {
    media.set(p.name, new MeetingMedia(p.member, { now: meeting.clock.now, timers: noTimers }));
  }
  const get = (name: string): [TestParticipant, MeetingMedia] => {
    const p = meeting.participants.get(name);
    const m = media.get(name);
    assert.ok(p && m, name);
    return [p, m];
  };
  return { meeting, get };
}

const leafOf = (member: MeetingMember) => member.ownLeaf ?? -1;

describe("meeting media", () => {
  it("a frame sealed for another stream than its m-line carries is refused; on its own it opens", async () => {
    const { meeting, get } = await meetingOf(["ada", "bob"]);
    const [ada, adaMedia] = get("ada");
    const [, bobMedia] = get("bob");
    bobMedia.setReceiveTracks({
      "1": { participantId: ada.id, source: "camera" },
      "2": { participantId: ada.id, source: "screen" },
    });
    const sealed = await adaMedia.encrypt("screen", VP8);
    assert.ok(sealed.ok);
    assert.deepEqual(await bobMedia.decrypt("1", "video", sealed.frame), {
      outcome: "dropped",
      reason: "wrong-stream",
    });
    const opened = await bobMedia.decrypt("2", "video", sealed.frame);
    assert.equal(opened.outcome, "open");
    assert.deepEqual(opened.outcome === "open" && [...opened.frame], [...VP8]);
    assert.deepEqual([...bobMedia.bindings], [["2", leafOf(ada.member)]]);
    meeting.close();
  });

  it("a new key ring is taken when the engine announces it; counts of the old one are kept", async () => {
    const { meeting, get } = await meetingOf(["ada", "bob"]);
    const [ada, adaMedia] = get("ada");
    const [bob, bobMedia] = get("bob");
    const sealed = await adaMedia.encrypt("camera", VP8);
    assert.ok(sealed.ok);
    assert.equal((await bobMedia.decrypt("1", "video", sealed.frame)).outcome, "open");
    const ring = bob.member.mediaKeyRing;
    bob.member.resync("a test");
    await meeting.converge(20_000);
    assert.notEqual(bob.member.mediaKeyRing, ring);
    // One ring when the rejoin gave up the group, one when its new connection's welcome came.
    assert.equal(bobMedia.ringChanges, 2);
    assert.equal(bobMedia.frameStats().total.decrypted, 1, "kept across the swap");
    const after = await adaMedia.encrypt("camera", VP8);
    assert.ok(after.ok);
    assert.equal((await bobMedia.decrypt("1", "video", after.frame)).outcome, "open");
    assert.equal(bobMedia.frameStats().senders[String(leafOf(ada.member))]?.decrypted, 2);
    meeting.close();
  });

  it("a removed member's frames keyed before its removal are refused at once", async () => {
    const { meeting, get } = await meetingOf(["ada", "bob", "cy"]);
    const [cy, cyMedia] = get("cy");
    const [, adaMedia] = get("ada");
    const early = await cyMedia.encrypt("camera", VP8);
    assert.ok(early.ok);
    meeting.leave("cy");
    await meeting.converge(5000);
    const dropped = await adaMedia.decrypt("3", "video", early.frame);
    assert.deepEqual(dropped, { outcome: "dropped", reason: "removed-sender" });
    cy.member.close();
    meeting.close();
  });

  it("a frame of the next epoch is held, and opened once the commit that makes it comes", async () => {
    const { meeting, get } = await meetingOf(["ada", "bob", "cy"]);
    const [, adaMedia] = get("ada");
    const [cy, cyMedia] = get("cy");
    meeting.ds.silence(cy.id);
    const commits = meeting.ds.commitLog.length;
    get("bob")[0].member.requestSelfUpdate();
    await meeting.settle();
    const sealed = await adaMedia.encrypt("camera", VP8);
    assert.ok(sealed.ok);
    const late: number[] = [];
    const held = await cyMedia.decrypt("1", "video", sealed.frame, (o) => late.push(o.sender));
    assert.deepEqual(held, { outcome: "held" });
    const commit = meeting.ds.commitLog[commits];
    assert.ok(commit);
    cy.member.receive(commit);
    await cy.member.idle();
    await cyMedia.idle();
    assert.deepEqual(late, [0], "opened with the new epoch's keys");
    assert.equal(cyMedia.holdStats().released, 1);
    meeting.close();
  });
});
