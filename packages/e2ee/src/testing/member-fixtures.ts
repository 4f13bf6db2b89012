// Fixtures for unit tests of the member engine's handlers: a configuration on a fixed clock, real
// MLS states reached through the handlers themselves, and a snapshot that tells whether a handler
// changed a record it was given. For tests only.
import {
  type ParticipantId,
  PROTOCOL_VERSION,
  type ServerMessage,
  toBase64url,
} from "@conclave/protocol";
import { deriveInviteKeys, type InviteKeys } from "../admission/invite-keys.ts";
import { decide } from "../member/commit-turns.ts";
import { type Draft, run } from "../member/draft.ts";
import { configOf } from "../member/member-config.ts";
import { type Ctx, type Effect, initialState, type MemberState } from "../member/member-state.ts";
import { handleServerMessage } from "../member/server-inbox.ts";
import { loadMlsCiphersuite } from "../mls/ciphersuite.ts";
import { createDeviceIdentity } from "../mls/credential.ts";

// Near the real time: ts-mls checks KeyPackage lifetimes against its own clock.
export const T0 = Date.now();
export const pid = (n: number) => `p${String(n).padStart(15, "0")}` as ParticipantId;

/** A clock the test moves by hand. */
export class FixedClock {
  time = T0;
  readonly now = () => this.time;
}

const secret = toBase64url(new Uint8Array(32).fill(7));
let keys: Promise<InviteKeys | undefined> | undefined;

export async function inviteKeys(): Promise<InviteKeys> {
  keys ??= deriveInviteKeys(secret);
  const derived = await keys;
  if (derived === undefined) throw new Error("no invite keys");
  return derived;
}

export async function memberCtx(name: string, clock = new FixedClock()): Promise<Ctx> {
  const identity = await createDeviceIdentity(
    { displayName: name, deviceId: `${name}-device` },
    await loadMlsCiphersuite(),
  );
  const config = configOf({
    identity,
    admission: { kind: "invite", keys: await inviteKeys() },
    send: () => {},
  });
  return { config, now: clock.now, random: () => 0.5 };
}

export async function freshState(): Promise<MemberState> {
  return initialState({ kind: "invite", keys: await inviteKeys() });
}

export function welcome(
  selfId: ParticipantId,
  group: { groupId: string; epoch: number } | null,
  participants: { id: ParticipantId; leaf: number | null }[] = [],
): ServerMessage {
  return {
    type: "welcome",
    protocol: PROTOCOL_VERSION,
    selfId,
    participants: participants.map((p) => ({ ...p, audio: false, video: false })),
    group,
    resumed: false,
    mediaKept: false,
    resumeToken: "r".repeat(43),
    iceServers: [],
  };
}

/** Feeds one server message to a state through the inbox. */
export function inbox(state: MemberState, ctx: Ctx, message: ServerMessage) {
  return run(state, (d: Draft) => handleServerMessage(d, ctx, message));
}

/** A member that founded its group of one (epoch 0, leaf 0). */
export async function founded(ctx: Ctx): Promise<MemberState> {
  const step = await inbox(await freshState(), ctx, welcome(pid(1), null));
  return step.state;
}

export function sent(effects: readonly Effect[]) {
  return effects.flatMap((e) => (e.kind === "send" ? [e.message] : []));
}

export function emitted(effects: readonly Effect[]) {
  return effects.flatMap((e) => (e.kind === "emit" ? [e] : []));
}

/**
 * Every value reachable from `root`, written out: two snapshots differ if anything in between was
 * changed in place (a field, a Map or Set entry, a byte of a key).
 */
export function snapshot(root: unknown): string {
  const seen = new Map<object, number>();
  const walk = (value: unknown): string => {
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "function") return "fn";
    if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "undefined";
    const known = seen.get(value);
    if (known !== undefined) return `#${known}`;
    seen.set(value, seen.size);
    if (ArrayBuffer.isView(value)) {
      return `bytes(${Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))})`;
    }
    if (value instanceof Map) return `map(${[...value].map(([k, v]) => `${walk(k)}=${walk(v)}`)})`;
    if (value instanceof Set) return `set(${[...value].map(walk)})`;
    if (Array.isArray(value)) return `[${value.map(walk)}]`;
    return `{${Object.entries(value).map(([k, v]) => `${k}:${walk(v)}`)}}`;
  };
  return walk(root);
}

/** What a member sent, as the Delivery Service relays it to the others. */
export function relayed(
  from: ParticipantId,
  message: ReturnType<typeof sent>[number],
): ServerMessage {
  switch (message.type) {
    case "mls-commit":
      return { type: "mls-commit", from, epoch: message.epoch, commit: message.commit };
    case "mls-key-package": {
      const { type: _, ...rest } = message;
      return { type: "mls-key-package", from, ...rest };
    }
    case "mls-message":
      return { type: "mls-message", from, message: message.message };
    default:
      throw new Error(`${message.type} is not relayed`);
  }
}

/** Our self-update, made now and echoed: the state after it, and the commit as relayed. */
export async function ownUpdate(state: MemberState, ctx: Ctx, from: ParticipantId) {
  const due = { ...state, duty: { ...state.duty, nextSelfUpdate: ctx.now() } };
  const made = await run(due, (d) => decide(d, ctx));
  const commit = sent(made.effects).find((m) => m.type === "mls-commit");
  if (commit === undefined) throw new Error("no commit made");
  const relay = relayed(from, commit);
  return { made: made.state, relay, echoed: (await inbox(made.state, ctx, relay)).state };
}

/** Ada founded the group (leaf 0) and added Bob (leaf 1), both through their handlers. */
export async function adaAndBob(clock = new FixedClock()) {
  const [adaCtx, bobCtx] = [await memberCtx("ada", clock), await memberCtx("bob", clock)];
  const ada0 = await founded(adaCtx);
  const groupId = toBase64url(ada0.session?.groupId ?? new Uint8Array());
  const bobJoining = await inbox(
    await freshState(),
    bobCtx,
    welcome(pid(2), { groupId, epoch: 0 }, [{ id: pid(1), leaf: 0 }]),
  );
  const [upload] = sent(bobJoining.effects);
  if (upload === undefined) throw new Error("no upload");
  const adaSaw = await inbox(ada0, adaCtx, relayed(pid(2), upload));
  const add = await run(adaSaw.state, (d) => decide(d, adaCtx));
  const commit = sent(add.effects).find((m) => m.type === "mls-commit");
  if (commit?.type !== "mls-commit" || commit.welcome === null) throw new Error("no Add");
  const ada = await inbox(add.state, adaCtx, relayed(pid(1), commit));
  const bob = await inbox(bobJoining.state, bobCtx, {
    type: "mls-welcome",
    welcome: commit.welcome,
  });
  return { clock, adaCtx, bobCtx, ada: ada.state, bob: bob.state, upload: relayed(pid(2), upload) };
}
