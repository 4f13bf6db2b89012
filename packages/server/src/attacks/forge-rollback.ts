import { randomBytes } from "node:crypto";
import { readFraming } from "@conclave/delivery-service";
import {
  fromBase64url,
  type ParticipantId,
  type RoomId,
  type ServerMessage,
} from "@conclave/protocol";
import type { Attack } from "./attack.ts";

type CommitRelay = Extract<ServerMessage, { type: "mls-commit" }>;

/** How long a real rollback is held before it goes out, followed by the withdrawn commit. */
const HOLD_ROLLBACK_MS = 1500;
type Rollback = Extract<ServerMessage, { type: "mls-rollback" }>;

/**
 * The server undoes what members decided, by rollbacks (docs/e2ee.md "Recovery"):
 *
 * - Undo a Remove, undo a block: right behind every commit it relays that removes a leaf or
 *   changes the roles and settings (a denial, a block's new invite generation), it sends that
 *   member a rollback of the commit, with a failure report for every other leaf it knows of,
 *   signed with bytes of its own (it holds no member's key).
 * - Replay a withdrawn commit: it holds each rollback the Delivery Service really made for 1.5 s
 *   (members that applied the commit meanwhile send media under its keys), then sends it and,
 *   right behind it, the withdrawn commit again. MLS is deterministic: a member that took it again would get the
 *   same epoch keys and, with a fresh key ring, send its next frames with counters from 0.
 *
 * Members refuse forged evidence and remember withdrawn commits; every refusal is a security-log
 * line and an alarm. `repeated-nonce` watches the media for the counter reuse.
 */
export function forgeRollback(): Attack {
  /** Leaves the server has announced with a participant, by room. */
  const leaves = new Map<RoomId, Set<number>>();
  /** Who committed each relayed commit. */
  const committers = new Map<string, ParticipantId>();
  return {
    outbound(to, message, applied) {
      const known = leaves.get(to.room) ?? new Set<number>();
      leaves.set(to.room, known);
      const announced =
        message.type === "welcome"
          ? message.participants
          : message.type === "participant-joined" || message.type === "participant-updated"
            ? [message.participant]
            : [];
      for (const p of announced) if (p.leaf !== null) known.add(p.leaf);
      if (message.type === "mls-commit") {
        committers.set(message.commit, message.from);
        const forged = forgedRollback(message, known);
        if (forged === undefined) return [message];
        applied();
        return [message, forged];
      }
      // The Delivery Service's own rollback (this hook never sees what it sends itself): held a
      // while, so members that applied the commit send media under its keys meanwhile.
      if (message.type === "mls-rollback") {
        const from = committers.get(message.commit);
        if (from === undefined) return [message];
        applied();
        const again: CommitRelay = {
          type: "mls-commit",
          from,
          epoch: message.epoch,
          commit: message.commit,
        };
        setTimeout(() => {
          to.send(message);
          to.send(again);
        }, HOLD_ROLLBACK_MS);
        return [];
      }
      return [message];
    },
  };
}

/** A rollback of a Remove or a roles change, with reports the server made up; else undefined. */
function forgedRollback(relay: CommitRelay, known: ReadonlySet<number>): Rollback | undefined {
  const bytes = fromBase64url(relay.commit);
  const read = bytes === null ? undefined : readFraming(bytes);
  if (!read?.ok || read.framing.kind !== "commit") return undefined;
  const { removes, settings, senderLeaf } = read.framing;
  if (removes.length === 0 && settings === undefined) return undefined;
  const reporters = [...known].filter((l) => l !== senderLeaf && !removes.includes(l));
  if (reporters.length === 0) return undefined;
  return {
    type: "mls-rollback",
    epoch: relay.epoch,
    commit: relay.commit,
    reports: reporters.map((leaf) => ({ leaf, signature: randomBytes(64).toString("base64url") })),
  };
}
