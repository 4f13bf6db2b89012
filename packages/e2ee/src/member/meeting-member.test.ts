import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  fromBase64url,
  type ParticipantId,
  type ServerMessage,
  toBase64url,
} from "@conclave/protocol";
import { loadMlsCiphersuite } from "../mls/ciphersuite.ts";
import { createDeviceIdentity } from "../mls/credential.ts";
import { seededRandom } from "../testing/seeded-random.ts";
import { TestMeeting } from "../testing/test-meeting.ts";
import { createMeetingMember, type MeetingMember } from "./meeting-member.ts";

async function meetingOf(names: readonly string[]): Promise<TestMeeting> {
  const meeting = new TestMeeting();
  for (const name of names) await meeting.connect(name);
  await meeting.converge(10_000);
  return meeting;
}

/** Flips one byte near the end of a base64url MLS message (inside its tags). */
function damage(text: string): string {
  const bytes = fromBase64url(text);
  assert.ok(bytes);
  bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff;
  return toBase64url(bytes);
}

function get(meeting: TestMeeting, name: string) {
  const p = meeting.participants.get(name);
  assert.ok(p, name);
  return p;
}

describe("meeting member engine", () => {
  it("five members joining one by one converge on epoch, media keys, security code and names", async () => {
    const meeting = new TestMeeting();
    const started = performance.now();
    const codes = new Set<string | undefined>();
    for (const name of ["ada", "bob", "cy", "dee", "eve"]) {
      await meeting.connect(name);
      await meeting.converge(5000);
      codes.add(get(meeting, "ada").member.securityCode);
    }
    const ada = get(meeting, "ada").member;
    assert.equal(codes.size, 5, "every join changes the security code");
    assert.equal(ada.epoch, 9n, "the founder's update, then per join one Add and an update");
    assert.deepEqual(
      ada.roster.map((r) => r.displayName),
      ["ada", "bob", "cy", "dee", "eve"],
    );
    assert.match(ada.securityCode ?? "", /^\d{5}( \d{5}){4}$/);
    for (const p of meeting.present) assert.deepEqual(p.errors, [], p.name);
    console.log(`5 joins converged in ${(performance.now() - started).toFixed(0)} ms`);
    meeting.close();
  });

  it("two commits for the same epoch: one wins, the other catches up and the meeting converges", async () => {
    const meeting = await meetingOf(["ada", "bob", "cy"]);
    const before = meeting.ds.epoch;
    const bob = get(meeting, "bob").member;
    const cy = get(meeting, "cy").member;
    bob.requestSelfUpdate();
    cy.requestSelfUpdate();
    await meeting.converge(5000);
    assert.equal(bob.stats.commitsRefused + cy.stats.commitsRefused, 1, "exactly one lost");
    assert.equal(meeting.ds.epoch, before + 2, "the loser's update came next epoch");
    for (const p of meeting.present) assert.deepEqual(p.errors, [], p.name);
    meeting.close();
  });

  it("a garbage commit the Delivery Service accepted is reported, rolled back, and the meeting goes on", async () => {
    const meeting = await meetingOf(["ada", "bob", "cy", "dee", "eve"]);
    const epoch = meeting.ds.epoch;
    const eve = get(meeting, "eve");
    // Eve's next commit is damaged after signing: the service cannot tell (it reads framing only).
    meeting.ds.tamperNextCommit(eve.id, damage);
    eve.member.requestSelfUpdate();
    await meeting.settle();
    assert.equal(meeting.ds.rollbacks, 1);
    // The service closed Eve's connection (BAD_MLS); her leaf goes after the reconnection window.
    meeting.participants.delete("eve");
    eve.member.close();
    for (const name of ["ada", "bob", "cy", "dee"]) {
      const p = get(meeting, name);
      assert.equal(p.member.stats.commitsFailed, 1, name);
      assert.ok(
        p.errors.some((e) => e.startsWith("COMMIT_FAILED")),
        name,
      );
    }
    await meeting.converge(40_000);
    assert.ok(meeting.ds.epoch > epoch, "commits go on after the rollback");
    const chats: string[] = [];
    get(meeting, "dee").member.on("chat", (c) => chats.push(`${c.displayName}: ${c.text}`));
    assert.ok(await get(meeting, "ada").member.sendChat("still here"));
    await meeting.settle();
    assert.deepEqual(chats, ["ada: still here"]);
    meeting.close();
  });

  it("a member alone in failing a commit gets no rollback, rejoins after 5 s on a new connection and replaces its old leaf", async () => {
    const meeting = await meetingOf(["ada", "bob", "cy", "dee"]);
    const dee = get(meeting, "dee");
    const oldLeaf = dee.member.ownLeaf;
    meeting.ds.corruptNextRelayTo(dee.id, damage);
    get(meeting, "bob").member.requestSelfUpdate();
    await meeting.settle();
    assert.equal(dee.member.stats.commitsFailed, 1);
    assert.equal(meeting.ds.rollbacks, 0, "one of three is no majority");
    const failedAt = meeting.clock.time;
    await meeting.until(() => dee.member.stats.rejoins === 1, 6000, "dee rejoining");
    assert.ok(meeting.clock.time - failedAt >= 5000, "waited 5 s for a rollback first");
    await meeting.converge(10_000);
    assert.equal(dee.member.stats.rejoins, 1);
    assert.equal(dee.reconnects, 1, "the service refuses a KeyPackage on a member's connection");
    assert.equal(get(meeting, "ada").member.roster.length, 4, "her old leaf is gone");
    assert.equal(dee.member.ownLeaf, oldLeaf, "Remove first, so the Add refills her old leaf");
    meeting.close();
  });

  it("every member makes its own update about every five minutes, one commit per epoch", async () => {
    const meeting = await meetingOf(["ada", "bob", "cy"]);
    const sent = () => meeting.present.map((p) => p.member.stats.commitsSent);
    const before = sent();
    let jitter = 0;
    for (const p of meeting.present) jitter += p.member.stats.commitsRefused;
    await meeting.advance(7 * 60_000);
    await meeting.converge(1000);
    const after = sent();
    for (const [i, count] of after.entries()) assert.ok(count > (before[i] ?? 0), `member ${i}`);
    let refused = -jitter;
    for (const p of meeting.present) refused += p.member.stats.commitsRefused;
    assert.equal(refused, 0, "jittered due times: no two updates raced");
    meeting.close();
  });

  it("a member who leaves is removed within one commit and cannot read what is sent after", async () => {
    const meeting = await meetingOf(["ada", "bob", "cy", "dee"]);
    const epoch = meeting.ds.epoch;
    const commitsBefore = meeting.ds.commitLog.length;
    const dee = await meeting.leave("dee");
    const leftAt = meeting.clock.time;
    await meeting.converge(1000);
    assert.equal(meeting.ds.epoch, epoch + 1, "one commit removes her");
    assert.ok(meeting.clock.time - leftAt < 1000, "at once, not after a reconnection window");
    assert.equal(get(meeting, "ada").member.roster.length, 3);
    const frame = await get(meeting, "ada").member.mediaKeyRing.encrypt(
      "camera",
      Uint8Array.of(0x90),
      Uint8Array.of(1, 2, 3),
    );
    assert.ok(frame.ok);
    const opened = await dee.member.mediaKeyRing.decrypt(Uint8Array.of(0x90), frame.frame);
    assert.equal(opened.ok, false, "her ring has no key for the new epoch's frames");
    await get(meeting, "ada").member.sendApplication(Uint8Array.of(7, 7, 7));
    await get(meeting, "bob").member.sendChat("after dee left");
    await meeting.settle();

    // A server that keeps forwarding everything to her gains nothing.
    const heard: unknown[] = [];
    dee.member.on("application", (a) => heard.push(a));
    dee.member.on("chat", (c) => heard.push(c));
    let removed = false;
    dee.member.on("removed", () => {
      removed = true;
    });
    const replay: ServerMessage[] = [
      ...meeting.ds.commitLog.slice(commitsBefore),
      ...meeting.ds.applicationLog.filter((m) => m.epoch > epoch).map((m) => m.message),
    ];
    for (const message of replay) dee.member.receive(message);
    await dee.member.idle();
    // Her goodbye went out before she disconnected: the removal may have reached her already.
    assert.ok(removed || dee.member.status === "removed", "she processes her removal");
    assert.equal(dee.member.status, "removed");
    assert.deepEqual(heard, []);
    dee.member.close();
    meeting.close();
  });

  it("a message for an epoch the member has not reached yet waits for the commit, then opens", async () => {
    const meeting = await meetingOf(["ada", "bob", "cy"]);
    const cy = get(meeting, "cy");
    meeting.ds.silence(cy.id); // cy misses the next commit and chat, for now
    const commits = meeting.ds.commitLog.length;
    const chats = meeting.ds.applicationLog.length;
    get(meeting, "bob").member.requestSelfUpdate();
    await meeting.settle();
    await get(meeting, "ada").member.sendChat("in the new epoch");
    await meeting.settle();
    const heard: string[] = [];
    cy.member.on("chat", (c) => heard.push(c.text));
    const chat = meeting.ds.applicationLog.slice(chats).at(-1);
    const commit = meeting.ds.commitLog[commits];
    assert.ok(chat && commit);
    cy.member.receive(chat.message); // arrives before the commit it depends on
    await cy.member.idle();
    assert.deepEqual(heard, []);
    cy.member.receive(commit);
    await cy.member.idle();
    assert.deepEqual(heard, ["in the new epoch"]);
    assert.equal(cy.member.epoch, get(meeting, "ada").member.epoch);
    meeting.close();
  });

  for (const seed of [20261123, 7, 1234567]) {
    it(`ten members joining and leaving in a seeded random order converge (seed ${seed})`, async () => {
      const random = seededRandom(seed);
      const meeting = new TestMeeting();
      const started = performance.now();
      const waiting = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"];
      const reasons: string[] = [];
      while (waiting.length > 0) {
        const present = meeting.present;
        if (present.length >= 2 && reasons.length < 5 && random() < 0.5) {
          const victim = present[Math.floor(random() * present.length)];
          assert.ok(victim);
          const reason = random() < 0.5 ? "left" : "disconnected";
          (await meeting.leave(victim.name, reason)).member.close();
          reasons.push(reason);
        } else {
          const name = waiting.shift();
          assert.ok(name);
          await meeting.connect(name);
        }
        await meeting.advance(Math.floor(random() * 1500));
      }
      await meeting.converge(90_000);
      const elapsed = performance.now() - started;
      const first = meeting.present[0];
      assert.ok(first);
      assert.ok(reasons.length > 0);
      assert.equal(first.member.roster.length, 10 - reasons.length);
      console.log(
        `10 members, leaves: ${reasons.join(",")}; ${meeting.ds.epoch} epochs; converged in ${elapsed.toFixed(0)} ms`,
      );
      meeting.close();
    });
  }

  it("commit duty fails over to the next leaf when the duty holder goes silent", async () => {
    const meeting = await meetingOf(["ada", "bob", "cy"]);
    const ada = get(meeting, "ada");
    const bob = get(meeting, "bob");
    assert.equal(ada.member.ownLeaf, 0, "ada holds commit duty");
    meeting.ds.silence(ada.id);
    meeting.participants.delete("ada");
    const commitsBefore = meeting.ds.commitLog.length;
    const fay = await meeting.connect("fay");
    const asked = meeting.clock.time;
    await meeting.until(() => fay.member.joined, 10_000, "fay joined");
    const waited = meeting.clock.time - asked;
    assert.ok(waited >= 2000 && waited < 4000, `added after ${waited} ms`);
    const add = meeting.ds.commitLog[commitsBefore];
    assert.ok(add?.type === "mls-commit");
    assert.equal(add.from, bob.id, "bob, next in leaf order, committed the Add");
    const others = meeting.present.map((p) => p.member);
    await meeting.until(
      () => others.every((m) => m.epoch === fay.member.epoch),
      2000,
      "same epoch",
    );
    assert.equal(await meeting.mediaDivergence(others), undefined);
    ada.member.close();
    meeting.close();
  });

  it("chat arrives with its sender's leaf and self-told name; a hello with a forbidden name is refused", async () => {
    const suite = await loadMlsCiphersuite();
    const meeting = await meetingOf(["ada", "bob"]);
    const identity = await createDeviceIdentity({ displayName: "mal", deviceId: "mal-dev" }, suite);
    const forger = { ...identity };
    const mal = await meeting.connect("mal", { identity: forger });
    await meeting.converge(5000);

    const chats: { sender: number; displayName: string; text: string }[] = [];
    get(meeting, "bob").member.on("chat", (c) => chats.push(c));
    await get(meeting, "ada").member.sendChat("hello bob");
    await mal.member.sendChat("hi from mal");
    await meeting.settle();
    assert.deepEqual(chats, [
      { sender: 0, displayName: "ada", text: "hello bob" },
      { sender: mal.member.ownLeaf ?? -1, displayName: "mal", text: "hi from mal" },
    ]);

    // Mal now says a name of nothing but a bidi override and a zero-width space: empty once put
    // in its one form (member/display-names.ts), so refused.
    Object.assign(forger, { displayName: "\u202e\u200b" });
    const cy = await meeting.connect("cy");
    await meeting.until(() => cy.member.joined, 5000, "cy joined");
    await meeting.settle();
    assert.ok(cy.errors.some((e) => e.startsWith("NAME_MISMATCH")));
    assert.equal(cy.member.stats.namesRefused, 1);
    const malEntry = cy.member.roster.find((r) => r.leaf === mal.member.ownLeaf);
    assert.equal(malEntry?.displayName, "", "no name is shown until an allowed one is said");
    assert.equal(malEntry?.nameConfirmed, false);
    assert.deepEqual(
      cy.member.roster
        .filter((r) => !r.self && r.leaf !== malEntry?.leaf)
        .map((r) => r.displayName)
        .sort(),
      ["ada", "bob"],
    );
    meeting.close();
  });

  it("a host lowers a member's hand; a member cannot lower the host's", async () => {
    const meeting = await meetingOf(["ada", "bob", "cy"]);
    const ada = get(meeting, "ada").member;
    const bob = get(meeting, "bob");
    const cy = get(meeting, "cy").member;
    const cyLeaf = cy.ownLeaf ?? -1;
    const heard: string[] = [];
    bob.member.on("hand-lower", (e) => heard.push(`lower ${e.sender} ${e.leaf}`));
    const cyHeard: string[] = [];
    cy.on("hand-lower", (e) => cyHeard.push(`lower ${e.sender} ${e.leaf}`));
    assert.ok(await cy.raiseHand(1_767_225_600_000));
    assert.ok(await ada.raiseHand(1_767_225_600_001));
    // Ada holds the host role (she founded the group): her word lowers Cy's hand, everywhere.
    assert.ok(await ada.lowerHand(cyLeaf));
    assert.ok(await cy.lowerHand(0), "sent, and refused by every receiver");
    await meeting.settle();
    assert.deepEqual(heard, [`lower 0 ${cyLeaf}`]);
    assert.deepEqual(cyHeard, [`lower 0 ${cyLeaf}`], "Cy's own client hears its hand go down");
    assert.equal(bob.member.stats.applicationRejected, 1, "Cy lowering the host's hand");
    meeting.close();
  });

  it("hands, reactions and recording arrive with the signing leaf; nobody lowers another's hand", async () => {
    const meeting = await meetingOf(["ada", "bob", "cy"]);
    const ada = get(meeting, "ada").member;
    const bob = get(meeting, "bob");
    const cy = get(meeting, "cy").member;
    const cyLeaf = cy.ownLeaf ?? -1;
    const heard: string[] = [];
    bob.member.on("hand-raise", (e) => heard.push(`raise ${e.sender} ${e.at}`));
    bob.member.on("hand-lower", (e) => heard.push(`lower ${e.sender} ${e.leaf}`));
    bob.member.on("reaction", (e) => heard.push(`react ${e.sender} ${e.emoji}`));
    bob.member.on("recording", (e) => heard.push(`record ${e.sender} ${e.active}`));
    const at = 1_767_225_600_000;
    assert.ok(await cy.raiseHand(at));
    assert.ok(await ada.raiseHand(at + 1));
    assert.ok(await cy.sendReaction("🎉"));
    assert.ok(await ada.announceRecording(true));
    // Cy, a member, tries to lower Ada's hand: only a host or co-host may, so Bob refuses it.
    assert.ok(await cy.lowerHand(0));
    assert.ok(await cy.lowerHand());
    assert.ok(await ada.announceRecording(false));
    await meeting.settle();
    assert.deepEqual(heard, [
      `raise ${cyLeaf} ${at}`,
      `raise 0 ${at + 1}`,
      `react ${cyLeaf} 🎉`,
      "record 0 true",
      `lower ${cyLeaf} ${cyLeaf}`,
      "record 0 false",
    ]);
    assert.equal(bob.member.stats.applicationRejected, 1);
    assert.ok(bob.errors.some((e) => e.startsWith("APPLICATION_REJECTED")));
    await assert.rejects(ada.raiseHand(0), /whole number/);
    await assert.rejects(ada.sendReaction("💩" as never), /allowed reactions/);
    // One failure channel: a malformed argument rejects the promise; the call itself never throws.
    const refused = ada.makeCoHost("not a fingerprint", true);
    await assert.rejects(refused, /not a fingerprint/);
    await assert.rejects(ada.sendChat(""), /chat text/);
    meeting.close();
  });

  it("garbage from the server is counted and reported, and changes nothing", async () => {
    const meeting = await meetingOf(["ada", "bob"]);
    const bob = get(meeting, "bob");
    const epoch = bob.member.epoch;
    const code = bob.member.securityCode;
    const from = get(meeting, "ada").id;
    const junk: ServerMessage[] = [
      { type: "mls-commit", from, epoch: Number(epoch), commit: "!!!!" },
      { type: "mls-message", from, message: "AAAAAAAA" },
      { type: "mls-key-package", from, keyPackage: "AAAAAAAA" },
      { type: "mls-welcome", welcome: "AAAAAAAA" },
      { type: "mls-commit-refused", epoch: 99, reason: "nothing in flight" },
    ];
    for (const message of junk) bob.member.receive(message);
    await meeting.settle();
    assert.equal(bob.member.epoch, epoch);
    assert.equal(bob.member.securityCode, code);
    assert.equal(bob.member.stats.badInput, 1);
    assert.equal(bob.member.stats.applicationRejected, 1);
    assert.equal(bob.member.stats.keyPackagesRejected, 1);
    await meeting.converge(1000);
    meeting.close();
  });

  it("closed while it joins, it stays closed: the join that was under way does not revive it", async () => {
    const meeting = await meetingOf(["ada"]);
    const identity = await createDeviceIdentity(
      { displayName: "bob", deviceId: "bob-device" },
      await loadMlsCiphersuite(),
    );
    let id = "" as ParticipantId;
    const sent: string[] = [];
    const member: MeetingMember = createMeetingMember({
      identity,
      admission: { kind: "invite", keys: await meeting.inviteKeys() },
      send: (message) => {
        sent.push(message.type);
        meeting.ds.send(id, message);
      },
      now: meeting.clock.now,
      timers: meeting.clock.timers,
      // The page leaves while the Welcome is being opened.
      policy: (input) => {
        if (input.kind === "join") member.close();
        return { accept: true };
      },
    });
    id = meeting.ds.connect("bob", (message) => member.receive(message));
    await meeting.until(
      async () => {
        await member.idle();
        return member.status !== "joining";
      },
      10_000,
      "the Welcome",
    );
    assert.equal(member.status, "closed");
    assert.equal(member.joined, false);
    assert.deepEqual(sent, ["mls-key-package"], "no hello, no commit once closed");
    await meeting.advance(60_000);
    await member.idle();
    assert.deepEqual(sent, ["mls-key-package"], "a closed engine sends nothing more");
    meeting.close();
  });
});
