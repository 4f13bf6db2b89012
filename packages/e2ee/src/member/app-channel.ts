// The application channel (docs/e2ee.md "Application messages"): PrivateMessages sealed to the
// group and signed by the sender's leaf, so the server relays them unread and nobody speaks for
// another leaf. Opaque bytes for the caller, and typed messages: names (`hello`), chat, hands,
// reactions, recording, and host commands, which each receiver checks against the signing leaf's
// role by fingerprint (host-commands.ts).
import { normaliseDisplayName, toBase64url } from "@conclave/protocol";
import type { Fingerprint } from "../admission/fingerprint.ts";
import { fingerprintFromBytes } from "../admission/fingerprint.ts";
import { roleOf } from "../admission/meeting-roles.ts";
import { refusal } from "../admission/refusal.ts";
import { checkDisplayName } from "../mls/credential.ts";
import { processIncoming } from "../mls/incoming.ts";
import { rosterEntry } from "../mls/roster.ts";
import { sealApplicationMessage } from "../mls/session.ts";
import {
  decodeAppMessage,
  encodeTyped,
  type HostRequestMessage,
  type TypedAppMessage,
} from "./app-message.ts";
import type { Draft } from "./draft.ts";
import { judgeHostCommand, mayCommand } from "./host-commands.ts";
import type { Ctx, MemberState } from "./member-state.ts";
import { participantGoodbye } from "./participants.ts";
import { ownRole, rebuildRoster } from "./roster-view.ts";
import { liveSession, reasonOf } from "./session-policy.ts";

/** Seals `payload` to the group and sends it; false if we are not a member. */
export async function seal(d: Draft, payload: Uint8Array): Promise<boolean> {
  const { status, session } = d.state;
  if (status !== "member" || session === undefined || !session.active) return false;
  const sealed = await sealApplicationMessage(session, payload);
  d.set({ session: sealed.session });
  d.erase(sealed.consumed);
  d.send({ type: "mls-message", message: toBase64url(sealed.message) });
  return true;
}

/** Seals a typed message made from the state now (it may name our own leaf); false if none. */
export async function sendTyped(
  d: Draft,
  make: (state: MemberState) => TypedAppMessage | undefined,
): Promise<boolean> {
  const message = make(d.state);
  return message === undefined ? false : seal(d, encodeTyped(message));
}

/** A host command, if our role may send it now; `make` says undefined if it is moot. */
export function sendHostCommand(
  d: Draft,
  t: HostRequestMessage["t"],
  make: (state: MemberState) => HostRequestMessage | undefined,
): Promise<boolean> {
  return sendTyped(d, (state) => {
    const me = ownRole(state);
    return me !== undefined && mayCommand(me.role, t) ? make(state) : undefined;
  });
}

/** `t` for the member with fingerprint `to`, if someone else here has it. */
export function toMember(
  state: MemberState,
  t: "ask-unmute" | "mute",
  to: Fingerprint,
): HostRequestMessage | undefined {
  const session = state.session;
  const here = session?.roster.some(
    (e) => e.leafIndex !== session.ownLeafIndex && fingerprintFromBytes(e.fingerprint) === to,
  );
  return here === true ? { t, to } : undefined;
}

function rejected(d: Draft, message: string | undefined): void {
  d.count("applicationRejected");
  if (message !== undefined) d.report("APPLICATION_REJECTED", message);
}

/** Opens an application message of our epoch (future-queue.ts holds later ones). */
export async function openApplication(d: Draft, ctx: Ctx, bytes: Uint8Array): Promise<void> {
  const session = liveSession(d.state, ctx);
  if (d.state.status !== "member" || session === undefined) {
    rejected(d, undefined);
    return;
  }
  let opened: Awaited<ReturnType<typeof processIncoming>>;
  try {
    opened = await processIncoming(session, bytes);
  } catch (error) {
    rejected(d, reasonOf(error));
    return;
  }
  if (opened.event.kind !== "application") {
    rejected(d, "a handshake message relayed as application data");
    return;
  }
  d.set({ session: opened.session });
  d.erase(opened.consumed);
  const { sender, data, epoch } = opened.event;
  const decoded = decodeAppMessage(data);
  if (!decoded.ok) rejected(d, `from leaf ${sender}: ${decoded.reason}`);
  else if (decoded.format === "opaque")
    d.emit("application", { sender, epoch, data: decoded.data });
  else onTyped(d, ctx, sender, decoded.message);
}

/** `sender` is the leaf whose key signed the message (MLS authenticated it), never a claim. */
function onTyped(d: Draft, ctx: Ctx, sender: number, message: TypedAppMessage): void {
  const session = d.state.session;
  const entry = session === undefined ? undefined : rosterEntry(session.roster, sender);
  if (entry === undefined) return;
  switch (message.t) {
    case "chat":
      d.emit("chat", { sender, displayName: d.state.names.get(sender) ?? "", text: message.text });
      return;
    case "hello":
      onHello(d, ctx, sender, message.displayName);
      return;
    case "hand-raise":
      d.emit("hand-raise", { sender, at: message.at });
      return;
    case "hand-lower":
      if (!mayLowerHand(d.state, entry.fingerprint, sender, message.leaf)) {
        rejected(d, `leaf ${sender} may not lower the hand of ${message.leaf}`);
        return;
      }
      d.emit("hand-lower", { sender, leaf: message.leaf });
      return;
    case "reaction":
      d.emit("reaction", { sender, emoji: message.emoji });
      return;
    case "recording-start":
    case "recording-stop":
      d.emit("recording", { sender, active: message.t === "recording-start" });
      return;
    case "goodbye":
      // The member's own word that it leaves: its leaf goes in the next commit.
      d.set({ participants: participantGoodbye(d.state.participants, entry, ctx.now()) });
      return;
    case "ask-unmute":
    case "mute":
    case "mute-all":
    case "end-meeting":
      onHostCommand(d, sender, fingerprintFromBytes(entry.fingerprint), message);
      return;
  }
}

function onHostCommand(d: Draft, sender: number, from: Fingerprint, message: HostRequestMessage) {
  const me = ownRole(d.state);
  const session = d.state.session;
  if (session === undefined || me === undefined) return;
  const verdict = judgeHostCommand(session.roles, from, me.fingerprint, message);
  if (verdict.kind === "refused") {
    d.refusal(refusal("not-authorized", from, verdict.detail));
    return;
  }
  if (verdict.kind === "act") d.emit("host-command", { sender, command: verdict.command });
}

/**
 * Whose hand a member may lower: its own; a host or co-host, by the role its fingerprint holds in
 * the group context's roles (admission/meeting-roles.ts), anyone's, as with muting.
 */
function mayLowerHand(
  state: MemberState,
  senderFingerprint: Uint8Array,
  sender: number,
  leaf: number,
): boolean {
  if (leaf === sender) return true;
  const roles = state.session?.roles;
  if (roles === undefined) return false;
  const role = roleOf(roles, fingerprintFromBytes(senderFingerprint));
  return role === "host" || role === "co-host";
}

function onHello(d: Draft, ctx: Ctx, sender: number, said: string): void {
  // A member names itself in a PrivateMessage signed by its own leaf key: neither the server nor
  // another member can put a name in its mouth. The latest name it said is the one shown.
  const displayName = normaliseDisplayName(said);
  try {
    checkDisplayName(displayName);
  } catch {
    d.count("namesRefused");
    d.report("NAME_MISMATCH", `leaf ${sender} said a name that is not allowed`);
    return;
  }
  if (d.state.names.get(sender) === displayName) return;
  d.set({ names: new Map(d.state.names).set(sender, displayName) });
  rebuildRoster(d, ctx);
  d.emit("roster", d.state.roster);
}
