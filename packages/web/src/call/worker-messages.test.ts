/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
import { REACTIONS as ENGINE_REACTIONS } from "@conclave/e2ee";
import { REACTIONS } from "@conclave/protocol";
import { FrameCounter } from "../worker/frame-counter.ts";
import {
  PageToWorkerSchema,
  receiveMidsMessage,
  TransformOptionsSchema,
  WorkerToPageSchema,
} from "../worker/messages.ts";

const isPageToWorker = (value: unknown) => PageToWorkerSchema.safeParse(value).success;
const isWorkerToPage = (value: unknown) => WorkerToPageSchema.safeParse(value).success;
const isTransformOptions = (value: unknown) => TransformOptionsSchema.safeParse(value).success;

test("worker messages are validated on both sides of postMessage", () => {
  const mic = { participantId: "p1", source: "microphone" };
  assert.ok(
    isPageToWorker({ type: "recv-mids", mids: { "0": mic, "1": { ...mic, source: "screen" } } }),
  );
  for (const bad of [7, "p1", { ...mic, source: "window" }, { source: "camera" }]) {
    assert.ok(!isPageToWorker({ type: "recv-mids", mids: { "0": bad } }), JSON.stringify(bad));
  }
  assert.ok(!isPageToWorker({ type: "report-interval", ms: 5 }));
  assert.ok(!isPageToWorker({ type: "set-key", key: "x" }));
  const none = { encrypted: 0, decrypted: 0, refused: {}, dropped: {}, deferred: 0 };
  const sframe = { total: none, senders: { "1": none }, holdExpired: 0, holdOverflow: 0 };
  assert.ok(isWorkerToPage({ type: "counts", totals: [], participants: [], sframe }));
  assert.ok(!isWorkerToPage({ type: "counts", totals: [], participants: [] }));
  assert.ok(
    !isWorkerToPage({
      type: "counts",
      totals: [],
      participants: [],
      sframe: { ...sframe, senders: { x: none } },
    }),
  );
  const inviteSecret = "S".repeat(43);
  const roomId = "R".repeat(22);
  assert.ok(isPageToWorker({ type: "start", displayName: "Ada", inviteSecret, roomId }));
  assert.ok(!isPageToWorker({ type: "start", displayName: "", inviteSecret, roomId }));
  assert.ok(!isPageToWorker({ type: "start", displayName: "Ada", inviteSecret }), "no room");
  assert.ok(!isPageToWorker({ type: "start", displayName: "Ada" }));
  assert.ok(
    !isPageToWorker({ type: "start", displayName: "Ada", inviteSecret: "S".repeat(42), roomId }),
  );
  const host = Array(16).fill("ab12").join(" ");
  assert.ok(isPageToWorker({ type: "start-knock", displayName: "Ada", pinnedHost: host }));
  assert.ok(isPageToWorker({ type: "start-knock", displayName: "Ada", pinnedHost: null }));
  assert.ok(!isPageToWorker({ type: "start-knock", displayName: "Ada" }));
  assert.ok(!isPageToWorker({ type: "start-knock", displayName: "", pinnedHost: null }));
  assert.ok(!isPageToWorker({ type: "start-knock", displayName: "Ada", pinnedHost: "ab12" }));
  assert.ok(isPageToWorker({ type: "send-chat", id: 1, text: "hi" }));
  assert.ok(!isPageToWorker({ type: "send-chat", id: 1, text: "x".repeat(4001) }));
  const group = {
    status: "member",
    epoch: "3",
    ownLeaf: 0,
    securityCode: "12345 67890 12345 67890 12345",
    roster: [
      {
        leaf: 0,
        name: "Ada",
        fingerprint: "ab12",
        self: true,
        nameConfirmed: true,
        comparison: null,
      },
    ],
    ciphersuite: "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
    failure: null,
    removedBy: null,
  };
  assert.ok(isWorkerToPage({ type: "group", group }));
  assert.ok(!isWorkerToPage({ type: "group", group: { ...group, ciphersuite: "<b>" } }));
  const by = { name: "Ben", fingerprint: Array(16).fill("cd34").join(" ") };
  assert.ok(
    isWorkerToPage({ type: "group", group: { ...group, status: "removed", removedBy: by } }),
  );
  assert.ok(!isWorkerToPage({ type: "group", group: { ...group, removedBy: { name: "Ben" } } }));
  assert.ok(!isWorkerToPage({ type: "group", group: { ...group, epoch: 3 } }));
  assert.ok(!isWorkerToPage({ type: "group", group: { ...group, status: "admin" } }));
  assert.ok(isWorkerToPage({ type: "bindings", bindings: { "2": 1 } }));
  assert.ok(!isWorkerToPage({ type: "bindings", bindings: { "2": 5000 } }));
  // Nothing shaped like a key is part of the protocol: an unknown type is refused.
  assert.ok(!isWorkerToPage({ type: "media-key", key: "x" }));
  assert.ok(
    !isWorkerToPage({
      type: "counts",
      totals: [{ direction: "up", kind: "video", frames: 1, bytes: 1, dropped: 0 }],
      participants: [],
    }),
  );
  assert.ok(isTransformOptions({ direction: "recv", kind: "audio", mid: "3", source: null }));
  assert.ok(!isTransformOptions({ direction: "recv", kind: "data", mid: null, source: null }));
  // A sender names its source (which picks its SFrame key), and it must be of its kind.
  for (const source of ["microphone", "screenAudio"]) {
    assert.ok(isTransformOptions({ direction: "send", kind: "audio", mid: null, source }));
  }
  assert.ok(isTransformOptions({ direction: "send", kind: "video", mid: null, source: "screen" }));
  for (const source of [null, "camera", "cameraLayer0"]) {
    assert.ok(!isTransformOptions({ direction: "send", kind: "audio", mid: null, source }));
  }
  assert.ok(!isTransformOptions({ direction: "recv", kind: "video", mid: "1", source: "screen" }));
});

test("hands, reactions and recording are validated both ways", () => {
  assert.deepEqual(REACTIONS, ENGINE_REACTIONS, "the page offers exactly the engine's reactions");
  const at = 1_767_225_600_000;
  for (const good of [
    { type: "set-hand", raisedAt: at },
    { type: "set-hand", raisedAt: null },
    { type: "send-reaction", emoji: "🎉" },
    { type: "set-recording", active: false },
  ]) {
    assert.ok(isPageToWorker(good), JSON.stringify(good));
  }
  for (const bad of [
    { type: "set-hand" },
    { type: "set-hand", raisedAt: 0 },
    { type: "set-hand", raisedAt: 1.5 },
    { type: "set-hand", raisedAt: "now" },
    { type: "send-reaction", emoji: "💩" },
    { type: "send-reaction", emoji: "<img src=x onerror=alert(1)>" },
    { type: "set-recording", active: "yes" },
    { type: "lower-hand", leaf: 1 },
  ]) {
    assert.ok(!isPageToWorker(bad), JSON.stringify(bad));
  }
  for (const good of [
    { type: "hand", leaf: 2, raisedAt: at },
    { type: "hand", leaf: 2, raisedAt: null },
    { type: "reaction", sender: 0, emoji: "❤️" },
    { type: "recording", sender: 4095, active: true },
  ]) {
    assert.ok(isWorkerToPage(good), JSON.stringify(good));
  }
  for (const bad of [
    { type: "hand", leaf: 4096, raisedAt: at },
    { type: "hand", leaf: -1, raisedAt: null },
    { type: "hand", leaf: 1 },
    { type: "hand", leaf: 1, raisedAt: -at },
    { type: "reaction", sender: 0, emoji: "❤" },
    { type: "reaction", emoji: "👍" },
    { type: "recording", sender: 1, active: 1 },
    { type: "recording", sender: "1", active: true },
  ]) {
    assert.ok(!isWorkerToPage(bad), JSON.stringify(bad));
  }
});

test("the frame counter totals per direction and kind, and per remote participant", () => {
  const counter = new FrameCounter();
  counter.count("send", "video", null, 1000, null);
  counter.count("recv", "video", "p1", 500, null);
  counter.count("recv", "video", "p1", 500, "decrypt-failed");
  counter.count("recv", "audio", "p2", 80, null);
  const { totals, participants } = counter.snapshot();
  assert.deepEqual(
    totals.find((t) => t.direction === "recv" && t.kind === "video"),
    { direction: "recv", kind: "video", frames: 1, bytes: 500, dropped: 1 },
  );
  assert.deepEqual(
    participants.find((p) => p.participantId === "p1"),
    { participantId: "p1", kind: "video", frames: 1, dropped: 1 },
  );
  assert.equal(participants.length, 2);
});

test("roles, uploads and host requests are validated on both sides", () => {
  const fp = Array.from({ length: 16 }, () => "3fa2").join(" ");
  const roles = {
    hosts: [fp],
    coHosts: [],
    denied: [],
    lobbyMandatory: false,
    knockingEnabled: true,
    locked: false,
  };
  assert.ok(isWorkerToPage({ type: "roles", roles }));
  for (const bad of [
    { ...roles, hosts: ["3fa2"] },
    { ...roles, hosts: [fp.toUpperCase()] },
    { ...roles, locked: "yes" },
    { ...roles, coHosts: undefined },
  ]) {
    assert.ok(!isWorkerToPage({ type: "roles", roles: bad }), JSON.stringify(bad));
  }
  const participantId = "p".repeat(16);
  const keyPackageRef = "ab".repeat(32);
  const upload = { type: "upload", participantId, fingerprint: fp, keyPackageRef };
  assert.ok(isWorkerToPage({ ...upload, name: null }));
  assert.ok(isWorkerToPage({ ...upload, name: "Ada", keyPackageRef: "cd".repeat(64) }));
  assert.ok(!isWorkerToPage({ ...upload, name: "" }));
  assert.ok(!isWorkerToPage(upload), "no name field");
  assert.ok(!isWorkerToPage({ ...upload, name: null, keyPackageRef: "ab".repeat(16) }));
  assert.ok(!isWorkerToPage({ type: "upload", participantId, fingerprint: fp, name: null }));
  assert.ok(!isWorkerToPage({ ...upload, participantId: "p", fingerprint: "x", name: null }));

  const id = "A".repeat(16);
  for (const action of [
    { kind: "admit", participantId: id, keyPackageRef },
    { kind: "remove", leaf: 3 },
    { kind: "block", fingerprint: fp },
    { kind: "set-locked", locked: true },
    { kind: "set-lobby", lobbyMandatory: true, knockingEnabled: false },
    { kind: "make-co-host", fingerprint: fp, on: true },
  ]) {
    assert.ok(isPageToWorker({ type: "host", action }), JSON.stringify(action));
  }
  for (const action of [
    { kind: "admit", participantId: "short", keyPackageRef },
    { kind: "admit", participantId: id },
    { kind: "remove", leaf: -1 },
    { kind: "remove", leaf: 4096 },
    { kind: "block", fingerprint: "3fa2" },
    { kind: "deny", fingerprint: fp },
    { kind: "set-locked" },
    { kind: "set-lobby", lobbyMandatory: true },
    { kind: "end", now: true },
  ]) {
    assert.ok(!isPageToWorker({ type: "host", action }), JSON.stringify(action));
  }
});

test("host commands are validated on both sides", () => {
  const fp = Array.from({ length: 16 }, () => "3fa2").join(" ");
  for (const action of [
    { kind: "ask-unmute", fingerprint: fp },
    { kind: "mute", fingerprint: fp },
    { kind: "mute-all" },
    { kind: "end-meeting" },
  ]) {
    assert.ok(isPageToWorker({ type: "host", action }), JSON.stringify(action));
  }
  for (const action of [
    { kind: "ask-unmute" },
    { kind: "mute", fingerprint: "3fa2" },
    { kind: "mute", leaf: 1 },
    { kind: "unmute", fingerprint: fp },
  ]) {
    assert.ok(!isPageToWorker({ type: "host", action }), JSON.stringify(action));
  }
  for (const command of ["ask-unmute", "mute", "end-meeting"]) {
    assert.ok(isWorkerToPage({ type: "host-command", sender: 0, command }), command);
  }
  for (const bad of [
    { type: "host-command", sender: 0, command: "mute-all" },
    { type: "host-command", sender: 0, command: "unmute" },
    { type: "host-command", sender: -1, command: "mute" },
    { type: "host-command", command: "mute" },
    { type: "host-done", kind: "end-meeting", ok: "yes" },
    { type: "host-done", kind: "kick", ok: true },
  ]) {
    assert.ok(!isWorkerToPage(bad), JSON.stringify(bad));
  }
  assert.ok(isWorkerToPage({ type: "host-done", kind: "end-meeting", ok: true }));
});

test("the receive mids the page sends for a subscribe offer are what the worker accepts", () => {
  // What the server's offer lists per mid (a SubscribedTrack) carries more than the worker takes.
  const offered = {
    "0": { mid: "0", participantId: "p1", kind: "audio", source: "microphone" },
    "1": { mid: "1", participantId: "p1", kind: "video", source: "camera" },
  } as const;
  const message = receiveMidsMessage(offered);
  assert.ok(isPageToWorker(message));
  assert.deepEqual(message.mids["1"], { participantId: "p1", source: "camera" });
  assert.ok(!isPageToWorker({ type: "recv-mids", mids: offered }), "extra fields are refused");
});
