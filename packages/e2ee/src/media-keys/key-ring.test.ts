import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { removeMembers } from "../mls/commits.ts";
import { CONCLAVE_GROUP_PIN } from "../mls/group-pin.ts";
import { processIncoming } from "../mls/incoming.ts";
import { exportSecret, type MlsSession } from "../mls/session.ts";
import { createSframeContext } from "../sframe/context.ts";
import { decodeHeader } from "../sframe/header.ts";
import { AES_128_CTR_HMAC_SHA256_32 } from "../sframe/suites.ts";
import { threeSessions } from "../testing/three-sessions.ts";
import { createMediaKeyRing, type MediaKeyRing } from "./key-ring.ts";
import {
  deriveEpochMediaKeys,
  type EpochMediaKeys,
  eraseEpochMediaKeys,
  mediaEpochSource,
  SFRAME_BASE_KEY_LABEL,
} from "./key-schedule.ts";
import { decodeKid, encodeKid, MAX_KID_SENDER } from "./kid.ts";
import { NonceLedger } from "./nonce-ledger.ts";
import { ALL_STREAMS } from "./stream-context.ts";

const META = Uint8Array.of(0x9d, 0x01, 0x2a);
const payload = (n: number) => new Uint8Array(n).fill(0x55);

async function install(ring: MediaKeyRing, session: MlsSession): Promise<void> {
  const keys = await deriveEpochMediaKeys(mediaEpochSource(session));
  await ring.installEpoch(keys);
  eraseEpochMediaKeys(keys);
}

function syntheticKeys(epoch: bigint, own: number, members: number[], fill = 1): EpochMediaKeys {
  return {
    epoch,
    epochAuthenticator: new Uint8Array(32).fill(fill + Number(epoch)),
    ownLeafIndex: own,
    memberLeafIndexes: members,
    pin: CONCLAVE_GROUP_PIN,
    baseKeys: {
      audio: new Uint8Array(48).fill(fill + Number(epoch)),
      video: new Uint8Array(16).fill(fill + Number(epoch)),
    },
  };
}

async function sealed(ring: MediaKeyRing, stream: (typeof ALL_STREAMS)[number], size = 100) {
  const result = await ring.encrypt(stream, META, payload(size));
  assert.ok(result.ok, `encrypt ${stream}`);
  return result;
}

describe("media key schedule", () => {
  it('base_key is MLS-Exporter("SFrame 1.0 Base Key", "", Nk) per suite, equal for all members', async () => {
    const [alice, bob] = await threeSessions();
    const a = await deriveEpochMediaKeys(mediaEpochSource(alice));
    const b = await deriveEpochMediaKeys(mediaEpochSource(bob));
    assert.equal(a.baseKeys.video.length, 16);
    assert.equal(a.baseKeys.audio.length, 48);
    assert.deepEqual(a.baseKeys, b.baseKeys);
    assert.deepEqual(
      a.baseKeys.video,
      await exportSecret(alice, SFRAME_BASE_KEY_LABEL, new Uint8Array(), 16),
    );
  });

  it("members decrypt each other's streams; a removed member cannot decrypt frames sent after its removal", async () => {
    let [alice, bob, carol] = await threeSessions();
    const rings = [createMediaKeyRing(), createMediaKeyRing(), createMediaKeyRing()];
    const [ra, rb, rc] = rings as [MediaKeyRing, MediaKeyRing, MediaKeyRing];
    await install(ra, alice);
    await install(rb, bob);
    await install(rc, carol);
    for (const stream of ALL_STREAMS) {
      const frame = await sealed(ra, stream);
      for (const receiver of [rb, rc]) {
        const opened = await receiver.decrypt(META, frame.frame);
        assert.ok(opened.ok, `${stream} decrypts`);
        assert.equal(decodeKid(opened.kid)?.stream, stream);
        assert.equal(decodeKid(opened.kid)?.sender, 0);
      }
    }
    // Our own frames are not decryptable with our own ring (keys are encrypt-only for us).
    assert.equal((await ra.decrypt(META, (await sealed(ra, "camera")).frame)).ok, false);

    const remove = await removeMembers(alice, [2]);
    alice = remove.session;
    bob = (await processIncoming(bob, remove.commit)).session;
    carol = (await processIncoming(carol, remove.commit)).session;
    assert.equal(carol.active, false);
    await assert.rejects(deriveEpochMediaKeys(mediaEpochSource(carol)));
    await install(ra, alice);
    await install(rb, bob);

    const after = await sealed(ra, "camera");
    assert.ok((await rb.decrypt(META, after.frame)).ok);
    const carolTry = await rc.decrypt(META, after.frame);
    assert.deepEqual(carolTry, { ok: false, reason: "unknown-kid" });
    // Even knowing the new KID, the previous epoch's base key does not open the frame.
    const oldKeys = await deriveEpochMediaKeys(mediaEpochSource((await threeSessions())[2]));
    const attacker = createSframeContext({ suite: ra.contexts.video.suite });
    await attacker.addKey(after.kid, oldKeys.baseKeys.video, "decrypt");
    assert.deepEqual(await attacker.decrypt(META, after.frame), { ok: false, reason: "auth" });
    for (const ring of rings) ring.close();
  });

  it("previous-epoch keys work inside the grace period and not after", async () => {
    let clock = 1_000_000;
    const bob = createMediaKeyRing({ now: () => clock, gracePeriodMs: 2000 });
    const alice = createMediaKeyRing({ now: () => clock, gracePeriodMs: 2000 });
    await alice.installEpoch(syntheticKeys(5n, 0, [0, 1]));
    await bob.installEpoch(syntheticKeys(5n, 1, [0, 1]));
    const old1 = await sealed(alice, "microphone");
    const old2 = await sealed(alice, "camera");
    const old3 = await sealed(alice, "screen");
    await bob.installEpoch(syntheticKeys(6n, 1, [0, 1]));
    assert.equal(bob.classifyKid(old1.kid), "previous");
    clock += 1999;
    assert.ok((await bob.decrypt(META, old1.frame)).ok, "inside the grace period");
    assert.ok((await bob.decrypt(META, old2.frame)).ok);
    clock += 1;
    assert.deepEqual(await bob.decrypt(META, old3.frame), { ok: false, reason: "unknown-kid" });
    assert.equal(bob.classifyKid(old1.kid), "unknown");
    // Our own sending moved to the new epoch at once.
    assert.equal(decodeKid(bob.sendKid("camera") ?? -1n)?.epochBits, 6);
  });

  it("a KID from the next epoch is recognised, and opens once that epoch is installed", async () => {
    const alice = createMediaKeyRing();
    const bob = createMediaKeyRing();
    await alice.installEpoch(syntheticKeys(15n, 0, [0, 1]));
    await bob.installEpoch(syntheticKeys(15n, 1, [0, 1]));
    await alice.installEpoch(syntheticKeys(16n, 0, [0, 1]));
    const early = await sealed(alice, "camera");
    assert.equal(bob.isNextEpochKid(early.kid), true, "15 -> 16 wraps the 4 epoch bits to 0");
    assert.equal(bob.classifyKid(early.kid), "next");
    assert.equal((await bob.decrypt(META, early.frame)).ok, false);
    await bob.installEpoch(syntheticKeys(16n, 1, [0, 1]));
    assert.equal(bob.isNextEpochKid(early.kid), false);
    assert.ok((await bob.decrypt(META, early.frame)).ok);
  });

  it("no two streams of one sender share (KID, CTR), across stream restarts and epoch-bit wrap", async () => {
    const ring = createMediaKeyRing();
    const used = new Set<string>();
    const record = (frame: Uint8Array) => {
      const header = decodeHeader(frame);
      assert.ok(header.ok);
      const key = `${header.header.kid}/${header.header.ctr}`;
      assert.ok(!used.has(key), `(KID, CTR) ${key} reused`);
      used.add(key);
    };
    const kidsOfEpoch1 = new Set<bigint>();
    for (let epoch = 1n; epoch <= 17n; epoch++) {
      await ring.installEpoch(syntheticKeys(epoch, 3, [0, 3]));
      for (const stream of ALL_STREAMS) {
        for (let i = 0; i < 3; i++) record((await sealed(ring, stream)).frame);
        if (epoch === 1n) kidsOfEpoch1.add(ring.sendKid(stream) ?? -1n);
      }
      if (epoch === 2n) {
        // An encoder restart: the camera stops, starts again, and keeps counting.
        await ring.setOwnStreams(ALL_STREAMS.filter((s) => s !== "camera"));
        assert.equal(ring.sendKid("camera"), undefined);
        assert.equal((await ring.encrypt("camera", META, payload(10))).ok, false);
        await ring.setOwnStreams(ALL_STREAMS);
        for (let i = 0; i < 3; i++) record((await sealed(ring, "camera")).frame);
      }
    }
    // Epoch 17 reuses epoch 1's KIDs (same low bits); the counters did not restart.
    assert.ok(ALL_STREAMS.every((s) => kidsOfEpoch1.has(ring.sendKid(s) ?? -1n)));
    assert.equal(used.size, 17 * ALL_STREAMS.length * 3 + 3);
    const distinctKids = new Set([...used].map((k) => k.split("/")[0]));
    assert.equal(distinctKids.size, 16 * ALL_STREAMS.length);
  });

  it("audio overhead (header + tag) stays within 14 bytes", async () => {
    const ring = createMediaKeyRing();
    await ring.installEpoch(syntheticKeys(1n, MAX_KID_SENDER, [0, MAX_KID_SENDER]));
    const kid = ring.sendKid("screenAudio") ?? -1n;
    assert.equal(kid, encodeKid("screenAudio", MAX_KID_SENDER, 1n));
    const overhead: Record<string, number> = {};
    const audio = ring.contexts.audio;
    assert.equal(audio.suite.id, AES_128_CTR_HMAC_SHA256_32.id);
    for (const [label, ctr] of [
      ["ctr 0", 0n],
      ["ctr 2^24-1 (93 h at 50 fps)", 2n ** 24n - 1n],
      ["ctr 2^32-1", 2n ** 32n - 1n],
    ] as const) {
      const result = await audio.encrypt(kid, ctr, META, payload(80));
      assert.ok(result.ok);
      overhead[label] = result.frame.length - 80;
    }
    console.log(JSON.stringify({ audioOverheadBytes: overhead }));
    assert.ok(Object.values(overhead).every((bytes) => bytes <= 14));
    assert.equal(overhead["ctr 2^24-1 (93 h at 50 fps)"], 1 + 3 + 3 + 4);
  });

  it("one epoch's keys installed again in a new ring carry on from the ledger: no (KID, CTR) twice, no replay taken", async () => {
    // A rollback replaces the ring; the same commit delivered again brings the same epoch keys.
    const senderLedger = new NonceLedger();
    const receiverLedger = new NonceLedger();
    const sender = createMediaKeyRing({ ledger: senderLedger });
    const receiver = createMediaKeyRing({ ledger: receiverLedger });
    await sender.installEpoch(syntheticKeys(7n, 1, [0, 1]));
    await receiver.installEpoch(syntheticKeys(7n, 0, [0, 1]));
    const before = [await sealed(sender, "camera"), await sealed(sender, "camera")];
    assert.ok((await receiver.decrypt(META, before[0]?.frame ?? new Uint8Array())).ok);
    sender.close();
    receiver.close();
    const sender2 = createMediaKeyRing({ ledger: senderLedger });
    const receiver2 = createMediaKeyRing({ ledger: receiverLedger });
    await sender2.installEpoch(syntheticKeys(7n, 1, [0, 1]));
    await receiver2.installEpoch(syntheticKeys(7n, 0, [0, 1]));
    const after = await sealed(sender2, "camera");
    assert.equal(after.kid, before[0]?.kid);
    assert.equal(after.ctr, 2n, "the counter carries on, it does not restart at 0");
    assert.deepEqual(await receiver2.decrypt(META, before[0]?.frame ?? new Uint8Array()), {
      ok: false,
      reason: "replay",
    });
    assert.ok((await receiver2.decrypt(META, before[1]?.frame ?? new Uint8Array())).ok);
    assert.ok((await receiver2.decrypt(META, after.frame)).ok);
    // Without the ledger a new ring starts from 0: the nonce reuse the ledger prevents.
    const bare = createMediaKeyRing();
    await bare.installEpoch(syntheticKeys(7n, 1, [0, 1]));
    assert.equal((await sealed(bare, "camera")).ctr, 0n);
  });

  it("the ledger keeps the latest epochs only, and another epoch's keys start their own counters", async () => {
    const ledger = new NonceLedger(2);
    const ring = createMediaKeyRing({ ledger });
    await ring.installEpoch(syntheticKeys(1n, 0, [0, 1]));
    await sealed(ring, "camera");
    await ring.installEpoch(syntheticKeys(2n, 0, [0, 1]));
    assert.equal((await sealed(ring, "microphone")).ctr, 0n);
    await ring.installEpoch(syntheticKeys(3n, 0, [0, 1]));
    assert.equal(ledger.size, 2);
    assert.throws(() => new NonceLedger(1), { code: "E2EE_USAGE" });
  });

  it("derives a member's key at its first frame, once, and never for a non-member or ourselves", async () => {
    const members = Array.from({ length: 100 }, (_, leaf) => leaf);
    const ring = createMediaKeyRing();
    const derived: bigint[] = [];
    for (const context of Object.values(ring.contexts)) {
      const addKey = context.addKey.bind(context);
      context.addKey = (kid, ...rest) => {
        derived.push(kid);
        return addKey(kid, ...rest);
      };
    }
    await ring.installEpoch(syntheticKeys(3n, 0, members));
    assert.equal(derived.length, ALL_STREAMS.length, "only our own encryption keys at install");
    derived.length = 0;

    const alice = createMediaKeyRing();
    await alice.installEpoch(syntheticKeys(3n, 42, members));
    const frames = [await sealed(alice, "camera"), await sealed(alice, "camera")];
    const opened = await Promise.all(frames.map((f) => ring.decrypt(META, f.frame)));
    assert.ok(opened.every((o) => o.ok));
    assert.deepEqual(derived, [encodeKid("camera", 42, 3n)], "two frames at once: one derivation");
    assert.ok((await ring.decrypt(META, (await sealed(alice, "camera")).frame)).ok);
    assert.equal(derived.length, 1);

    // A sender outside the epoch's members: refused before anything is derived.
    const stranger = createMediaKeyRing();
    await stranger.installEpoch(syntheticKeys(3n, 100, [0, 100]));
    const forged = await sealed(stranger, "microphone");
    assert.deepEqual(await ring.decrypt(META, forged.frame), { ok: false, reason: "unknown-kid" });
    // Our own KID (a frame of ours sent back to us) gets no decryption key either.
    const echoed = await sealed(ring, "microphone");
    assert.deepEqual(await ring.decrypt(META, echoed.frame), { ok: false, reason: "unknown-kid" });
    assert.equal(derived.length, 1);
    for (const r of [ring, alice, stranger]) r.close();
  });

  it("a stream whose first frame comes in the grace period opens with the previous epoch; a derivation cut by the epoch's end opens nothing", async () => {
    let clock = 0;
    const bob = createMediaKeyRing({ now: () => clock, gracePeriodMs: 2000 });
    const alice = createMediaKeyRing();
    await alice.installEpoch(syntheticKeys(8n, 0, [0, 1]));
    await bob.installEpoch(syntheticKeys(8n, 1, [0, 1]));
    const screen = await sealed(alice, "screen");
    const camera = await sealed(alice, "camera");
    await bob.installEpoch(syntheticKeys(9n, 1, [0, 1]));
    clock += 1000;
    assert.ok((await bob.decrypt(META, screen.frame)).ok, "first frame, inside the grace period");
    const late = bob.decrypt(META, camera.frame); // deriving when the grace ends
    clock += 1000;
    bob.prune();
    assert.deepEqual(await late, { ok: false, reason: "unknown-kid" });
    assert.deepEqual(await bob.decrypt(META, screen.frame), { ok: false, reason: "unknown-kid" });
  });

  it("refuses an epoch that does not move forward", async () => {
    const ring = createMediaKeyRing();
    await ring.installEpoch(syntheticKeys(4n, 0, [0, 1]));
    await assert.rejects(ring.installEpoch(syntheticKeys(4n, 0, [0, 1])));
    await assert.rejects(ring.installEpoch(syntheticKeys(3n, 0, [0, 1])));
    await assert.rejects(ring.installEpoch(syntheticKeys(9n, 0, [0, MAX_KID_SENDER + 1])));
  });
});
