// An in-memory Delivery Service for the engine's tests. The ordering rules are the real ones
// (@conclave/delivery-service GroupDelivery: founding and GROUP_EXISTS, KeyPackage relay and
// replay to new members, first valid commit per epoch wins and is echoed to every member of the
// old epoch, refusals with the current epoch, Welcome routing, roster following, application
// relay, rollback when more than half of the other members report failure). Around them, what
// the server adds (packages/server/src/meeting.ts): `welcome`, participant-joined, -updated and
// -left, and closing the connection of a committer whose commit was rolled back. And a few faults
// for tests: a silenced connection, a tampered commit, a damaged relay.
//
// Delivery is synchronous: `send` routes at once into the recipients' `receive`, which only
// queues, so every connection sees messages in the order the service sent them.
import { GroupDelivery, type Outcome } from "@conclave/delivery-service";
import type { Participant, ParticipantId, ServerMessage } from "@conclave/protocol";
import { PROTOCOL_VERSION } from "@conclave/protocol";
import type { MlsClientMessage } from "../member/meeting-member.ts";

interface Connection {
  readonly id: ParticipantId;
  readonly receive: (message: ServerMessage) => void;
  /** silenced: the service still counts it connected, but it neither sends nor receives */
  silent: boolean;
}

type Edit = (commit: string) => string;

export class TestDeliveryService {
  readonly #delivery = new GroupDelivery();
  readonly #connections = new Map<ParticipantId, Connection>();
  #counter = 0;
  #corrupt: { id: ParticipantId; edit: Edit } | undefined;
  #tamper: { id: ParticipantId; edit: Edit } | undefined;
  /** Every relayed application message, for tests that replay them to outsiders. */
  readonly applicationLog: { readonly epoch: number; readonly message: ServerMessage }[] = [];
  /** Every accepted commit as relayed. */
  readonly commitLog: ServerMessage[] = [];
  rollbacks = 0;

  get epoch(): number {
    return this.#delivery.state?.epoch ?? 0;
  }

  /** Connects a participant; the service sends it `welcome` at once. */
  connect(_name: string, receive: (message: ServerMessage) => void): ParticipantId {
    this.#counter++;
    const id = `p${String(this.#counter).padStart(15, "0")}` as ParticipantId;
    const others = [...this.#connections.keys()].map((other) => this.#participant(other));
    this.#connections.set(id, { id, receive, silent: false });
    this.#delivery.connect(id);
    receive({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      selfId: id,
      participants: others,
      group: this.#delivery.state,
      resumed: false,
      mediaKept: false,
      resumeToken: "r".repeat(43),
      iceServers: [],
    });
    this.#broadcast({ type: "participant-joined", participant: this.#participant(id) }, id);
    return id;
  }

  /** The connection goes away; its leaf stays until a member commits its removal. */
  disconnect(id: ParticipantId, reason: "left" | "disconnected"): void {
    if (!this.#connections.delete(id)) return;
    this.#delivery.disconnect(id);
    this.#broadcast({ type: "participant-left", id, reason });
  }

  /** The participant stays "connected" but its messages are lost both ways (a stalled client). */
  silence(id: ParticipantId): void {
    const connection = this.#connections.get(id);
    if (connection !== undefined) connection.silent = true;
  }

  /** The next commit from `id` is edited before the service reads it (a buggy or evil client). */
  tamperNextCommit(id: ParticipantId, edit: Edit): void {
    this.#tamper = { id, edit };
  }

  /** The next commit relayed to `id` arrives damaged (a fault on one member's path only). */
  corruptNextRelayTo(id: ParticipantId, edit: Edit): void {
    this.#corrupt = { id, edit };
  }

  leafOf(id: ParticipantId): number | null | undefined {
    return this.#connections.has(id) ? this.#delivery.leafOf(id) : undefined;
  }

  send(id: ParticipantId, message: MlsClientMessage): void {
    const from = this.#connections.get(id);
    if (from === undefined || from.silent) return;
    const epoch = this.epoch;
    if (message.type === "mls-commit" && this.#tamper?.id === id) {
      message = { ...message, commit: this.#tamper.edit(message.commit) };
      this.#tamper = undefined;
    }
    const outcome = this.#delivery.receive(id, message);
    if (outcome.refusal === undefined) this.#log(id, message, epoch, outcome);
    this.#carryOut(from, outcome);
  }

  #log(from: ParticipantId, message: MlsClientMessage, epoch: number, outcome: Outcome): void {
    if (message.type === "mls-message") {
      this.applicationLog.push({
        epoch,
        message: { type: "mls-message", from, message: message.message },
      });
    }
    if (message.type === "mls-commit" && this.epoch === epoch + 1) {
      this.commitLog.push({ type: "mls-commit", from, epoch, commit: message.commit });
    }
    if (outcome.deliveries.some((d) => d.message.type === "mls-rollback")) this.rollbacks++;
  }

  /** What the server does with an outcome (packages/server/src/meeting.ts `deliver`). */
  #carryOut(from: Connection, outcome: Outcome): void {
    if (outcome.refusal !== undefined) {
      this.#deliver(from.id, { type: "error", ...outcome.refusal });
    }
    for (const { to, message } of outcome.deliveries) {
      if (message.type === "mls-commit" && this.#corrupt?.id === to) {
        this.#deliver(to, { ...message, commit: this.#corrupt.edit(message.commit) });
        this.#corrupt = undefined;
      } else this.#deliver(to, message);
    }
    for (const id of outcome.leafChanged) {
      if (this.#connections.has(id)) {
        this.#broadcast({ type: "participant-updated", participant: this.#participant(id) });
      }
    }
    for (const id of outcome.disconnect) {
      this.#deliver(id, { type: "error", code: "BAD_MLS", message: "your commit failed" });
      this.disconnect(id, "disconnected");
    }
  }

  #participant(id: ParticipantId): Participant {
    return { id, leaf: this.#delivery.leafOf(id), audio: false, video: false };
  }

  #deliver(to: ParticipantId, message: ServerMessage): void {
    const connection = this.#connections.get(to);
    if (connection !== undefined && !connection.silent) connection.receive(message);
  }

  #broadcast(message: ServerMessage, except?: ParticipantId): void {
    for (const id of this.#connections.keys()) if (id !== except) this.#deliver(id, message);
  }
}
