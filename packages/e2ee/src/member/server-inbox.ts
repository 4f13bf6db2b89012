// The server inbox: every server message the engine uses, validated by the transport
// (@conclave/protocol) and routed here to the concern it belongs to. Base64url and MLS framing
// are checked here before any key is used; what does not decode is counted and reported, and
// changes nothing (docs/e2ee.md "The Delivery Service protocol").
import { fromBase64url, type ServerMessage } from "@conclave/protocol";
import { giveUpSoon, onRefused } from "./commit-flight.ts";
import type { Draft } from "./draft.ts";
import { peekEpoch } from "./framing.ts";
import { receiveApplication, receiveCommit } from "./future-queue.ts";
import { found, onWelcome, rejoin, startJoining, uploadAgain } from "./joining.ts";
import type { Ctx } from "./member-state.ts";
import { participantLeft, resetParticipants, upsertParticipant } from "./participants.ts";
import { commitFailed, onRollback } from "./rollback.ts";
import { dropUpload, onKeyPackage } from "./uploads.ts";

type Of<T extends ServerMessage["type"]> = Extract<ServerMessage, { type: T }>;

export async function handleServerMessage(d: Draft, ctx: Ctx, message: ServerMessage) {
  switch (message.type) {
    case "welcome":
      return onServerWelcome(d, ctx, message);
    case "lobby":
      // A knock: we wait for a host's Add (docs/protocol.md "Lobby").
      d.set({ selfId: message.selfId });
      if (d.state.status === "idle") await startJoining(d, ctx);
      else await uploadAgain(d, ctx);
      return;
    case "admitted":
      d.set({ participants: resetParticipants(d.state.participants, message.participants) });
      return;
    case "knock-ended":
      dropUpload(d, message.from);
      return;
    case "participant-joined":
    case "participant-updated":
      return onParticipant(d, ctx, message.participant);
    case "participant-left":
      onParticipantLeft(d, ctx, message);
      return;
    case "error":
      return onServerError(d, ctx, message.code, message.message);
    case "mls-key-package":
      return onKeyPackage(d, ctx, message);
    case "mls-commit":
      return onCommitMessage(d, ctx, message);
    case "mls-welcome": {
      const bytes = bytesOf(d, message.welcome, "Welcome");
      if (bytes !== undefined) await onWelcome(d, ctx, bytes);
      return;
    }
    case "mls-commit-refused":
      onRefused(d, ctx, BigInt(message.epoch));
      return;
    case "mls-message":
      return onApplicationMessage(d, ctx, message);
    case "mls-rollback":
      return onRollbackMessage(d, ctx, message);
    default:
      return; // media signalling: not ours
  }
}

function bytesOf(d: Draft, text: string, what: string): Uint8Array | undefined {
  const bytes = fromBase64url(text);
  if (bytes === null) d.bad(`${what} is not base64url`);
  return bytes ?? undefined;
}

async function onServerWelcome(d: Draft, ctx: Ctx, message: Of<"welcome">): Promise<void> {
  const participants = resetParticipants(d.state.participants, message.participants);
  d.set({ selfId: message.selfId, participants });
  // Whoever the server no longer lists left while we were away (or with a node that died, before
  // it could tell us): their KeyPackages wait no more, or we would add a leaf nobody holds.
  const listed = new Set<string>(message.participants.map((p) => p.id));
  for (const from of d.state.uploads.keys()) if (!listed.has(from)) dropUpload(d, from);
  if (message.resumed && d.state.status !== "idle") {
    // Our place was held: what we missed follows in order, so our MLS state carries on.
    // A commit of ours in flight gets its echo or refusal from that backlog, or is given up.
    giveUpSoon(d, ctx);
    return;
  }
  if (message.group === null) await found(d, ctx);
  else await startJoining(d, ctx);
}

async function onParticipant(
  d: Draft,
  ctx: Ctx,
  participant: Of<"participant-joined">["participant"],
) {
  const { id, leaf } = participant;
  d.set({ participants: upsertParticipant(d.state.participants, id, leaf) });
  if (leaf !== null) dropUpload(d, id);
  if (id === d.state.selfId && leaf === null) {
    // The server no longer follows a leaf for us (the commit that added us was rolled back, and
    // it told only the members it restored): join again.
    const { status, founded } = d.state;
    if (status === "member" && !founded) await rejoin(d, ctx, "the server dropped our leaf");
  }
}

function onParticipantLeft(d: Draft, ctx: Ctx, message: Of<"participant-left">): void {
  const roster = d.state.session?.roster;
  // The reason is the server's word: it decides nothing (participants.ts).
  const participants = participantLeft(d.state.participants, message.id, ctx.now(), roster);
  d.set({ participants });
  dropUpload(d, message.id);
}

async function onServerError(d: Draft, ctx: Ctx, code: string, message: string): Promise<void> {
  d.report("SERVER_ERROR", `${code}: ${message}`);
  const { status, founded, inFlight } = d.state;
  if (code === "GROUP_EXISTS" && founded && status === "member") {
    await startJoining(d, ctx);
    return;
  }
  // Errors are not tied to a request: the commit in flight may or may not be the one refused.
  // The server answers in order, so an echo still to come is due at once; wait a little.
  if ((code === "NOT_A_MEMBER" || code === "BAD_MLS") && inFlight !== undefined) giveUpSoon(d, ctx);
  if (code === "NOT_A_MEMBER" && status === "member" && !founded) {
    await rejoin(d, ctx, "the server says we are not a member");
  }
  if (code === "BAD_MLS" && status === "joining") {
    // The server will not take a KeyPackage from this connection (it still holds our old
    // leaf): only a new connection can join again.
    d.emit("reconnect", { reason: message });
  }
}

async function onCommitMessage(d: Draft, ctx: Ctx, message: Of<"mls-commit">): Promise<void> {
  const bytes = bytesOf(d, message.commit, "commit");
  if (bytes === undefined) return;
  const framing = peekEpoch(bytes);
  const epoch = BigInt(message.epoch);
  // An accepted commit we cannot even decode still moved the group: report it as failed.
  if (framing.kind !== "handshake" || framing.epoch !== epoch) {
    if (d.state.status === "member" && d.state.session?.epoch === epoch) {
      await commitFailed(d, ctx, "a commit whose framing does not decode", bytes);
    } else d.bad("a commit whose framing does not decode");
    return;
  }
  await receiveCommit(d, ctx, message.from, framing.epoch, bytes);
}

/** A rollback as relayed: the withdrawn commit and the signed reports, checked in rollback.ts. */
async function onRollbackMessage(d: Draft, ctx: Ctx, message: Of<"mls-rollback">) {
  const commit = bytesOf(d, message.commit, "withdrawn commit");
  if (commit === undefined) return;
  const reports: { leaf: number; signature: Uint8Array }[] = [];
  for (const report of message.reports) {
    const signature = bytesOf(d, report.signature, "failure report");
    if (signature === undefined) return;
    reports.push({ leaf: report.leaf, signature });
  }
  await onRollback(d, ctx, { epoch: BigInt(message.epoch), commit, reports });
}

async function onApplicationMessage(d: Draft, ctx: Ctx, message: Of<"mls-message">) {
  const bytes = bytesOf(d, message.message, "application message");
  if (bytes === undefined) return;
  const framing = peekEpoch(bytes);
  if (framing.kind !== "application") {
    d.count("applicationRejected");
    d.report("APPLICATION_REJECTED", "not a PrivateMessage");
    return;
  }
  await receiveApplication(d, ctx, message.from, framing.epoch, bytes);
}
