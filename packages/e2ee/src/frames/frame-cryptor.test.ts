import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMediaKeyRing, type MediaKeyRing } from "../media-keys/key-ring.ts";
import {
  deriveEpochMediaKeys,
  type EpochMediaKeys,
  eraseEpochMediaKeys,
  mediaEpochSource,
} from "../media-keys/key-schedule.ts";
import { encodeKid, MAX_KID_SENDER } from "../media-keys/kid.ts";
import type { StreamContext } from "../media-keys/stream-context.ts";
import { removeMembers, selfUpdate } from "../mls/commits.ts";
import { CONCLAVE_GROUP_PIN } from "../mls/group-pin.ts";
import { processIncoming } from "../mls/incoming.ts";
import type { MlsSession } from "../mls/session.ts";
import { decodeHeader } from "../sframe/header.ts";
import { AES_128_CTR_HMAC_SHA256_32 } from "../sframe/suites.ts";
import { threeSessions } from "../testing/three-sessions.ts";
import type { FrameCodec } from "./codec-prefix.ts";
import { createFrameCryptor, type FrameCryptor, REBIND_LATE_MS } from "./frame-cryptor.ts";
import { MediaWatch } from "./media-watch.ts";
import { NextEpochHold } from "./next-epoch-hold.ts";

/** A VP8 key frame: tag (inverse key bit 0), start code 9d 01 2a, 640x480, then payload. */
function vp8KeyFrame(payload: number): Uint8Array {
  const head = [0x50, 0x2d, 0x01, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01];
  return Uint8Array.from([...head, ...Array.from({ length: payload }, (_, i) => (i * 7) & 0xff)]);
}
/** A VP8 interframe: tag with inverse key bit 1, then payload. */
function vp8Interframe(payload: number): Uint8Array {
  return Uint8Array.from([
    0x31,
    0x0b,
    0x00,
    ...Array.from({ length: payload }, (_, i) => i & 0xff),
  ]);
}
/** An Opus frame: TOC byte (SILK-only WB 20 ms, one frame), then payload. */
function opusFrame(payload: number): Uint8Array {
  return Uint8Array.from([0x48, ...Array.from({ length: payload }, (_, i) => (i * 13) & 0xff)]);
}

async function install(ring: MediaKeyRing, session: MlsSession): Promise<void> {
  const keys = await deriveEpochMediaKeys(mediaEpochSource(session));
  await ring.installEpoch(keys);
  eraseEpochMediaKeys(keys);
}

interface Member {
  session: MlsSession;
  readonly ring: MediaKeyRing;
  readonly cryptor: FrameCryptor;
}

/** alice (leaf 0), bob (1), carol (2) in one real MLS group, each with a ring and a cryptor. */
async function meeting(now: () => number = Date.now): Promise<[Member, Member, Member]> {
  const members = await Promise.all(
    (await threeSessions()).map(async (session) => {
      const ring = createMediaKeyRing({ now });
      await install(ring, session);
      return { session, ring, cryptor: createFrameCryptor(ring, { now }) };
    }),
  );
  return members as [Member, Member, Member];
}

async function sealed(from: Member, stream: StreamContext, codec: FrameCodec, frame: Uint8Array) {
  const result = await from.cryptor.encrypt(stream, codec, frame);
  assert.ok(result.ok, `encrypt: ${result.ok ? "" : result.reason}`);
  return result.frame;
}

function reasonOf(result: { ok: boolean; reason?: string }): string {
  return result.ok ? "ok" : (result.reason ?? "?");
}

describe("frame cryptor", () => {
  it("round-trips VP8 key frames, VP8 interframes and Opus frames; the prefix stays clear, the rest does not", async () => {
    const [alice, bob] = await meeting();
    const cases = [
      ["camera", "vp8", vp8KeyFrame(1000), 10, "video"],
      ["camera", "vp8", vp8Interframe(500), 3, "video"],
      ["screen", "vp8", vp8KeyFrame(0), 10, "video"],
      ["microphone", "opus", opusFrame(79), 1, "audio"],
      ["microphone", "opus", opusFrame(0), 1, "audio"],
    ] as const;
    for (const [stream, codec, frame, prefix, kind] of cases) {
      const out = await sealed(alice, stream, codec, frame);
      assert.deepEqual(
        out.subarray(0, prefix),
        frame.subarray(0, prefix),
        "prefix is the original",
      );
      const rest = frame.subarray(prefix);
      const header = decodeHeader(out.subarray(prefix));
      assert.ok(header.ok);
      const body = out.subarray(prefix + header.length, prefix + header.length + rest.length);
      if (rest.length >= 8) assert.notDeepEqual(body, rest, "the payload is not sent in clear");
      const opened = await bob.cryptor.decrypt(`${stream}-mid`, kind, out);
      assert.ok(opened.ok, reasonOf(opened));
      assert.deepEqual(opened.frame, frame);
      assert.equal(opened.sender, 0);
      assert.equal(opened.stream, stream);
    }
    assert.equal(bob.cryptor.boundSender("camera-mid"), 0);
  });

  it("any flipped bit of clear prefix, header, ciphertext or tag is refused", async () => {
    const [alice, bob] = await meeting();
    for (const [stream, codec, kind, frame] of [
      ["camera", "vp8", "video", vp8KeyFrame(24)],
      ["camera", "vp8", "video", vp8Interframe(24)],
      ["microphone", "opus", "audio", opusFrame(24)],
    ] as const) {
      const out = await sealed(alice, stream, codec, frame);
      for (let bit = 0; bit < out.length * 8; bit++) {
        const bad = out.slice();
        bad[bit >> 3] = (bad[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        const result = await bob.cryptor.decrypt("m", kind, bad);
        assert.equal(result.ok, false, `${stream}: bit ${bit} of ${out.length * 8} accepted`);
      }
      // None of the refusals moved the replay window: the genuine frame still opens.
      assert.ok((await bob.cryptor.decrypt("m", kind, out)).ok);
    }
    const dropped = bob.cryptor.stats().total.dropped;
    assert.ok((dropped.auth ?? 0) > 0);
  });

  it("the same frame twice is a replay", async () => {
    const [alice, bob] = await meeting();
    const out = await sealed(alice, "microphone", "opus", opusFrame(60));
    assert.ok((await bob.cryptor.decrypt("a0", "audio", out)).ok);
    assert.equal(reasonOf(await bob.cryptor.decrypt("a0", "audio", out)), "replay");
  });

  it("a receive stream is bound to its first sender: another sender is wrong-sender until rebind", async () => {
    const [alice, bob, carol] = await meeting();
    assert.ok(
      (
        await bob.cryptor.decrypt(
          "v1",
          "video",
          await sealed(alice, "camera", "vp8", vp8KeyFrame(50)),
        )
      ).ok,
    );
    assert.equal(bob.cryptor.boundSender("v1"), 0);
    // The SFU relabels: carol's camera on alice's m-line.
    const carols = await sealed(carol, "camera", "vp8", vp8KeyFrame(50));
    assert.equal(reasonOf(await bob.cryptor.decrypt("v1", "video", carols)), "wrong-sender");
    // A refused frame did not touch the replay window: after rebind the same frame opens.
    bob.cryptor.rebind("v1");
    assert.equal(bob.cryptor.boundSender("v1"), undefined);
    const opened = await bob.cryptor.decrypt("v1", "video", carols);
    assert.ok(opened.ok);
    assert.equal(opened.sender, 2);
    const alices = await sealed(alice, "camera", "vp8", vp8Interframe(50));
    assert.equal(reasonOf(await bob.cryptor.decrypt("v1", "video", alices)), "wrong-sender");
    // A rebind while a frame is being decrypted: that frame does not bind the stream.
    const inFlight = bob.cryptor.decrypt(
      "v1",
      "video",
      await sealed(carol, "camera", "vp8", vp8Interframe(9)),
    );
    bob.cryptor.rebind("v1");
    assert.equal(reasonOf(await inFlight), "wrong-sender");
    assert.equal(bob.cryptor.boundSender("v1"), undefined);
    const stats = bob.cryptor.stats();
    assert.equal(stats.senders["0"]?.dropped["wrong-sender"], 1);
    assert.equal(stats.senders["2"]?.dropped["wrong-sender"], 2);
  });

  it("after a rebind, a late frame of the m-line's previous sender binds nothing for a while; the new sender's does", async () => {
    let now = 1_000_000;
    const [alice, bob, carol] = await meeting(() => now);
    const alices = [vp8KeyFrame(50), vp8Interframe(50), vp8Interframe(51)];
    const [first, late, later] = await Promise.all(
      alices.map((f) => sealed(alice, "camera", "vp8", f)),
    );
    assert.ok(first && late && later);
    assert.ok((await bob.cryptor.decrypt("v1", "video", first)).ok);
    // The server hands the m-line to carol; alice's frame that was still queued comes after.
    bob.cryptor.rebind("v1");
    assert.equal(reasonOf(await bob.cryptor.decrypt("v1", "video", late)), "wrong-sender");
    assert.equal(bob.cryptor.boundSender("v1"), undefined, "the late frame bound nothing");
    const carols = await sealed(carol, "camera", "vp8", vp8KeyFrame(50));
    assert.equal((await bob.cryptor.decrypt("v1", "video", carols)).ok, true);
    assert.equal(bob.cryptor.boundSender("v1"), 2);

    // Handed to alice: only carol's frames are late ones now, alice's bind at once.
    bob.cryptor.rebind("v1");
    assert.ok((await bob.cryptor.decrypt("v1", "video", later)).ok);
    assert.equal(bob.cryptor.boundSender("v1"), 0);

    // To carol and straight back to alice before any frame of carol's: alice's frames wait out
    // the window of the first change, then bind.
    const [again, after] = await Promise.all(
      [vp8Interframe(52), vp8Interframe(53)].map((f) => sealed(alice, "camera", "vp8", f)),
    );
    assert.ok(again && after);
    bob.cryptor.rebind("v1");
    bob.cryptor.rebind("v1");
    assert.equal(reasonOf(await bob.cryptor.decrypt("v1", "video", again)), "wrong-sender");
    now += REBIND_LATE_MS;
    assert.ok((await bob.cryptor.decrypt("v1", "video", after)).ok);
    assert.equal(bob.cryptor.boundSender("v1"), 0);
  });

  it("an audio KID on a video receive stream is wrong-kind, and the reverse", async () => {
    const [alice, bob] = await meeting();
    // An authentic microphone frame, framed so that a video receiver parses its header.
    const tag = Uint8Array.of(0x31, 0x0b, 0x00);
    const audio = await alice.ring.encrypt("microphone", tag, new Uint8Array(40));
    assert.ok(audio.ok);
    const onVideo = Uint8Array.from([...tag, ...audio.frame]);
    assert.equal(reasonOf(await bob.cryptor.decrypt("v", "video", onVideo)), "wrong-kind");
    const toc = Uint8Array.of(0x48);
    const video = await alice.ring.encrypt("camera", toc, new Uint8Array(40));
    assert.ok(video.ok);
    const onAudio = Uint8Array.from([...toc, ...video.frame]);
    assert.equal(reasonOf(await bob.cryptor.decrypt("a", "audio", onAudio)), "wrong-kind");
    // As the SFU would forward them: an Opus frame on a video m-line, a VP8 one on an audio m-line.
    const opus = await sealed(alice, "microphone", "opus", opusFrame(60));
    assert.equal((await bob.cryptor.decrypt("v", "video", opus)).ok, false);
    const vp8 = await sealed(alice, "camera", "vp8", vp8Interframe(60));
    assert.equal((await bob.cryptor.decrypt("a", "audio", vp8)).ok, false);
    assert.equal(bob.cryptor.boundSender("v"), undefined);
  });

  it("a camera frame on an m-line that carries a screen is wrong-stream, and binds nothing", async () => {
    const [alice, bob] = await meeting();
    const screenOnly = ["screen"] as const;
    const camera = await sealed(alice, "camera", "vp8", vp8KeyFrame(50));
    assert.equal(
      reasonOf(await bob.cryptor.decrypt("s", "video", camera, screenOnly)),
      "wrong-stream",
    );
    assert.equal(bob.cryptor.boundSender("s"), undefined);
    const screen = await sealed(alice, "screen", "vp8", vp8KeyFrame(50));
    const opened = await bob.cryptor.decrypt("s", "video", screen, screenOnly);
    assert.ok(opened.ok);
    assert.equal(opened.stream, "screen");
    // The camera m-line refuses the screen's frames the same way; unlisted, any video opens.
    const again = await sealed(alice, "screen", "vp8", vp8Interframe(50));
    assert.equal(
      reasonOf(await bob.cryptor.decrypt("c", "video", again, ["camera", "cameraLayer0"])),
      "wrong-stream",
    );
    assert.ok((await bob.cryptor.decrypt("c", "video", again)).ok);
    assert.equal(bob.cryptor.stats().senders["0"]?.dropped["wrong-stream"], 2);
  });

  it("a removed member's frames are refused: at once after memberRemoved, and by all after the grace period", async () => {
    let clock = 1_000_000;
    const [alice, bob, carol] = await meeting(() => clock);
    const inFlight = await sealed(alice, "camera", "vp8", vp8Interframe(40));
    const remove = await removeMembers(alice.session, [2]);
    alice.session = remove.session;
    bob.session = (await processIncoming(bob.session, remove.commit)).session;
    await install(alice.ring, alice.session);
    await install(bob.ring, bob.session);
    // Carol keeps sending with the keys she had: the previous epoch, which receivers keep for 2 s.
    const late = await sealed(carol, "camera", "vp8", vp8KeyFrame(40));
    const lateAudio = await sealed(carol, "microphone", "opus", opusFrame(40));
    const unwarned = createFrameCryptor(bob.ring);
    assert.ok((await unwarned.decrypt("v", "video", late)).ok, "the ring alone admits her for 2 s");
    bob.cryptor.memberRemoved(2, bob.session.epoch);
    assert.equal(reasonOf(await bob.cryptor.decrypt("a", "audio", lateAudio)), "removed-sender");
    // Alice, still a member, is admitted on the previous epoch's keys inside the grace period.
    assert.ok((await bob.cryptor.decrypt("v0", "video", inFlight)).ok);
    clock += 2000;
    const after = await sealed(carol, "camera", "vp8", vp8Interframe(40));
    assert.equal(reasonOf(await unwarned.decrypt("v2", "video", after)), "unknown-kid");
    // And carol cannot open what alice sends in the new epoch: to her ring it is the next epoch,
    // one she will never be given, so whatever she holds expires.
    const fresh = await sealed(alice, "camera", "vp8", vp8KeyFrame(40));
    assert.equal(reasonOf(await carol.cryptor.decrypt("v", "video", fresh)), "next-epoch");
    assert.equal((await carol.ring.decrypt(fresh.subarray(0, 10), fresh.subarray(10))).ok, false);
    assert.ok((await bob.cryptor.decrypt("v9", "video", fresh)).ok);
  });

  it("memberRemoved spares other members and a later occupant of the leaf", async () => {
    const clock = 0;
    const ring = createMediaKeyRing({ now: () => clock });
    const sender = createMediaKeyRing({ now: () => clock });
    const keys = (epoch: bigint, own: number): EpochMediaKeys => ({
      epoch,
      epochAuthenticator: new Uint8Array(32).fill(Number(epoch)),
      ownLeafIndex: own,
      memberLeafIndexes: [0, 1],
      pin: CONCLAVE_GROUP_PIN,
      baseKeys: {
        audio: new Uint8Array(48).fill(Number(epoch)),
        video: new Uint8Array(16).fill(Number(epoch)),
      },
    });
    await ring.installEpoch(keys(4n, 0));
    await sender.installEpoch(keys(4n, 1));
    const cryptor = createFrameCryptor(ring);
    const out = createFrameCryptor(sender);
    const before = await out.encrypt("camera", "vp8", vp8Interframe(20));
    assert.ok(before.ok);
    await ring.installEpoch(keys(5n, 0)); // leaf 1 removed and taken again in epoch 5
    await sender.installEpoch(keys(5n, 1));
    cryptor.memberRemoved(1, 5n);
    assert.equal(reasonOf(await cryptor.decrypt("v", "video", before.frame)), "removed-sender");
    const now = await out.encrypt("camera", "vp8", vp8Interframe(20));
    assert.ok(now.ok);
    assert.ok((await cryptor.decrypt("v", "video", now.frame)).ok);
    await ring.installEpoch(keys(6n, 0));
    const later = await out.encrypt("camera", "vp8", vp8Interframe(2)); // sender still in epoch 5
    assert.ok(later.ok);
    const opened = await cryptor.decrypt("v", "video", later.frame);
    assert.ok(opened.ok, "epoch 5 frames, now the previous epoch's, are the new occupant's");
    assert.throws(() => cryptor.memberRemoved(-1, 5n), { code: "E2EE_USAGE" });
  });

  it("next-epoch frames are reported, held, and open once the epoch is installed; expired ones are dropped", async () => {
    let clock = 0;
    const [alice, bob] = await meeting(() => clock);
    const update = await selfUpdate(alice.session);
    alice.session = update.session;
    await install(alice.ring, alice.session);
    const hold = new NextEpochHold<Uint8Array>({ maxAgeMs: 500, maxFrames: 50, now: () => clock });
    const early = [
      await sealed(alice, "camera", "vp8", vp8KeyFrame(100)),
      await sealed(alice, "camera", "vp8", vp8Interframe(100)),
    ];
    for (const frame of early) {
      assert.equal(reasonOf(await bob.cryptor.decrypt("v", "video", frame)), "next-epoch");
      assert.ok(hold.hold(frame));
    }
    assert.equal(bob.cryptor.stats().total.deferred, 2);
    bob.session = (await processIncoming(bob.session, update.commit)).session;
    await install(bob.ring, bob.session);
    clock += 100;
    for (const frame of hold.release()) {
      assert.ok((await bob.cryptor.decrypt("v", "video", frame)).ok);
    }
    // Another commit; this time bob is late by more than the hold's maximum age.
    const second = await selfUpdate(alice.session);
    alice.session = second.session;
    await install(alice.ring, alice.session);
    const tooEarly = await sealed(alice, "camera", "vp8", vp8Interframe(10));
    assert.equal(reasonOf(await bob.cryptor.decrypt("v", "video", tooEarly)), "next-epoch");
    hold.hold(tooEarly);
    clock += 501;
    assert.deepEqual(hold.release(), []);
    assert.deepEqual(hold.stats(), { held: 0, released: 2, expired: 1, overflow: 0 });
  });

  it("frames two epochs ahead pause our own sending (paused-newer-epoch) until our epoch moves", async () => {
    const clock = 0;
    const [alice, bob] = await meeting(() => clock);
    const watch = new MediaWatch({ now: () => clock });
    const bobCryptor = createFrameCryptor(bob.ring, { watch });
    const first = await sealed(alice, "microphone", "opus", opusFrame(20));
    assert.ok((await bobCryptor.decrypt("a", "audio", first)).ok, "binds the stream to alice");
    for (let i = 0; i < 2; i++) {
      alice.session = (await selfUpdate(alice.session)).session;
      await install(alice.ring, alice.session);
    }
    const ahead = await sealed(alice, "microphone", "opus", opusFrame(20));
    assert.equal(reasonOf(await bobCryptor.decrypt("b", "audio", ahead)), "unknown-kid");
    assert.equal(watch.sendingPaused, false, "on a stream not bound to alice it proves nothing");
    assert.equal(reasonOf(await bobCryptor.decrypt("a", "audio", ahead)), "unknown-kid");
    assert.equal(watch.sendingPaused, true);
    const refused = await bobCryptor.encrypt("microphone", "opus", opusFrame(20));
    assert.equal(reasonOf(refused), "paused-newer-epoch");
    assert.equal(bobCryptor.stats().total.refused["paused-newer-epoch"], 1);
    watch.epochChanged();
    assert.ok((await bobCryptor.encrypt("microphone", "opus", opusFrame(20))).ok);
  });

  it("a frame with a flipped tag counts as an authentication failure of its sender; a good one clears it", async () => {
    const clock = 0;
    const [alice, bob] = await meeting(() => clock);
    const watch = new MediaWatch({ now: () => clock, splitFailures: 3 });
    const bobCryptor = createFrameCryptor(bob.ring, { watch });
    for (let i = 0; i < 3; i++) {
      const frame = await sealed(alice, "microphone", "opus", opusFrame(20));
      frame.set([(frame.at(-1) ?? 0) ^ 1], frame.length - 1);
      assert.equal(reasonOf(await bobCryptor.decrypt("a", "audio", frame)), "auth");
    }
    assert.deepEqual(watch.check(new Set([0])).split, [0]);
    const good = await sealed(alice, "microphone", "opus", opusFrame(20));
    assert.ok((await bobCryptor.decrypt("a", "audio", good)).ok);
    assert.deepEqual(watch.check(new Set([0])).split, []);
  });

  it("no (KID, CTR) repeats across streams and an encoder restart on the same ring", async () => {
    const [alice] = await meeting();
    const seen = new Set<string>();
    const record = (result: Awaited<ReturnType<FrameCryptor["encrypt"]>>) => {
      assert.ok(result.ok);
      const key = `${result.kid}/${result.ctr}`;
      assert.ok(!seen.has(key), `(KID, CTR) ${key} repeated`);
      seen.add(key);
    };
    const first = alice.cryptor;
    for (let i = 0; i < 20; i++) {
      record(await first.encrypt("camera", "vp8", vp8Interframe(10)));
      record(await first.encrypt("screen", "vp8", vp8Interframe(10)));
      record(await first.encrypt("microphone", "opus", opusFrame(10)));
    }
    // The encoder restarts: a new cryptor, and the stream stopped and started, on the same ring.
    await alice.ring.setOwnStreams(["microphone", "screen"]);
    await alice.ring.setOwnStreams(["microphone", "camera", "screen"]);
    const restarted = createFrameCryptor(alice.ring);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => restarted.encrypt("camera", "vp8", vp8Interframe(10))),
    );
    for (const result of results) record(result);
    record(await first.encrypt("camera", "vp8", vp8Interframe(10)));
    assert.equal(seen.size, 20 * 3 + 21);
  });

  it("a frame shorter than its clear prefix is refused, never thrown", async () => {
    const [alice, bob] = await meeting();
    const tooShort = [
      ["camera", "vp8", vp8KeyFrame(0).subarray(0, 9)],
      ["camera", "vp8", new Uint8Array()],
      ["camera", "vp8", Uint8Array.of(0x31, 0x0b)],
      ["microphone", "opus", new Uint8Array()],
    ] as const;
    for (const [stream, codec, frame] of tooShort) {
      assert.deepEqual(await alice.cryptor.encrypt(stream, codec, frame), {
        ok: false,
        reason: "too-short",
      });
    }
    assert.deepEqual(alice.cryptor.stats().senders["0"]?.refused, { "too-short": 4 });
    for (const [kind, frame] of [
      ["video", Uint8Array.of(0x50, 0x2d, 0x01, 0x9d)],
      ["video", Uint8Array.of(0x31)],
      ["video", new Uint8Array()],
      ["audio", new Uint8Array()],
    ] as const) {
      assert.equal(reasonOf(await bob.cryptor.decrypt("x", kind, frame)), "malformed");
    }
    // A prefix with no SFrame after it, or a header with its tag cut off.
    assert.equal(
      reasonOf(await bob.cryptor.decrypt("x", "audio", Uint8Array.of(0x48))),
      "truncated",
    );
    const whole = await sealed(alice, "microphone", "opus", opusFrame(2));
    assert.equal(
      reasonOf(await bob.cryptor.decrypt("x", "audio", whole.subarray(0, whole.length - 1))),
      "auth",
    );
    assert.equal(
      reasonOf(await bob.cryptor.decrypt("x", "audio", whole.subarray(0, 4))),
      "truncated",
    );
  });

  it("audio adds at most 14 bytes per Opus frame at realistic counters (header + 4-byte tag)", async () => {
    const ring = createMediaKeyRing();
    await ring.installEpoch({
      epoch: 15n,
      epochAuthenticator: new Uint8Array(32).fill(15),
      ownLeafIndex: MAX_KID_SENDER,
      memberLeafIndexes: [0, MAX_KID_SENDER],
      pin: CONCLAVE_GROUP_PIN,
      baseKeys: { audio: new Uint8Array(48).fill(3), video: new Uint8Array(16).fill(3) },
    });
    assert.equal(ring.contexts.audio.suite.id, AES_128_CTR_HMAC_SHA256_32.id);
    const cryptor = createFrameCryptor(ring);
    const overhead: Record<string, number> = {};
    const frame = opusFrame(79);
    for (const stream of ["microphone", "screenAudio"] as const) {
      const first = await cryptor.encrypt(stream, "opus", frame);
      assert.ok(first.ok);
      overhead[`${stream} ctr 0`] = first.frame.length - frame.length;
      // Skip ahead (93 h of 50 frames/s) through the ring's own context: the counter never goes back.
      const kid = encodeKid(stream, MAX_KID_SENDER, 15n);
      assert.ok(
        (await ring.contexts.audio.encrypt(kid, 2n ** 24n - 2n, new Uint8Array(), frame)).ok,
      );
      const late = await cryptor.encrypt(stream, "opus", frame);
      assert.ok(late.ok);
      assert.equal(late.ctr, 2n ** 24n - 1n);
      overhead[`${stream} ctr 2^24-1`] = late.frame.length - frame.length;
    }
    const video = await cryptor.encrypt("camera", "vp8", vp8Interframe(1000));
    assert.ok(video.ok);
    overhead["camera ctr 0"] = video.frame.length - 1003;
    console.log(JSON.stringify({ frameOverheadBytes: overhead }));
    assert.ok(
      Object.entries(overhead).every(([k, bytes]) => k.startsWith("camera") || bytes <= 14),
    );
    assert.equal(overhead["screenAudio ctr 2^24-1"], 1 + 3 + 3 + 4);
  });

  it("stats are plain JSON, per sender and in total", async () => {
    const [alice, bob, carol] = await meeting();
    const a = await sealed(alice, "microphone", "opus", opusFrame(30));
    const c = await sealed(carol, "microphone", "opus", opusFrame(30));
    await bob.cryptor.decrypt("a1", "audio", a);
    await bob.cryptor.decrypt("a1", "audio", a);
    await bob.cryptor.decrypt("a1", "audio", c);
    await bob.cryptor.decrypt("a2", "audio", c);
    await bob.cryptor.decrypt("a2", "audio", Uint8Array.of(0x48, 0xff));
    const stats = bob.cryptor.stats();
    assert.deepEqual(JSON.parse(JSON.stringify(stats)), stats);
    assert.deepEqual(stats.total, {
      encrypted: 0,
      decrypted: 2,
      refused: {},
      dropped: { replay: 1, "wrong-sender": 1, truncated: 1 },
      deferred: 0,
    });
    assert.deepEqual(Object.keys(stats.senders), ["0", "2"]);
    assert.equal(stats.senders["2"]?.decrypted, 1);
    assert.equal(alice.cryptor.stats().senders["0"]?.encrypted, 1);
  });

  it("misuse throws E2eeUsageError: codec of the wrong kind, bad stream id, not bytes", async () => {
    const [alice] = await meeting();
    await assert.rejects(alice.cryptor.encrypt("camera", "opus", opusFrame(3)), {
      code: "E2EE_USAGE",
    });
    await assert.rejects(alice.cryptor.encrypt("microphone", "vp8", vp8KeyFrame(3)), {
      code: "E2EE_USAGE",
    });
    await assert.rejects(alice.cryptor.decrypt("", "audio", opusFrame(3)), { code: "E2EE_USAGE" });
    await assert.rejects(alice.cryptor.decrypt("x", "audio", [1, 2] as unknown as Uint8Array), {
      code: "E2EE_USAGE",
    });
    assert.throws(
      () => createFrameCryptor(alice.ring, { receiveCodecs: { audio: "vp8", video: "vp8" } }),
      { code: "E2EE_USAGE" },
    );
  });
});
