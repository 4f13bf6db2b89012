// An in-memory Delivery Service for tests only, following docs/e2ee.md to the letter: founding
// (GROUP_EXISTS), KeyPackage relay (and replay to new members), first valid commit per epoch wins
// and is echoed to every member of the old epoch, refusals carry the current epoch, Welcome
// routing by the added KeyPackages, roster following (Removes first, then Adds into the lowest
// empty leaf), application relay, and rollback when more than half of the other members of the
// latest commit's epoch report failure. It reads only public framing, like the real one.
//
// Delivery is synchronous: `send` routes at once into the recipients' `receive`, which only
// queues, so every connection sees messages in the order the service sent them.
import type { Participant, ParticipantId, ServerMessage } from "@conclave/protocol";
import { fromBase64url, PROTOCOL_VERSION } from "@conclave/protocol";
import { decodeMlsMessage } from "ts-mls";
import { toHex } from "../sframe/bytes.ts";
import type { MlsClientMessage } from "./meeting-member.ts";

/** A joiner's KeyPackage with what came beside it (admission proof, sealed name), opaque. */
interface PendingUpload {
  readonly keyPackage: string;
  readonly initKey: string;
  readonly extras: { readonly proof?: string | undefined; readonly name?: string | undefined };
}

interface Connection {
  readonly id: ParticipantId;
  readonly name: string;
  readonly receive: (message: ServerMessage) => void;
  leaf: number | null;
  pending: PendingUpload | undefined;
  /** silenced: the service still counts it connected, but it neither sends nor receives */
  silent: boolean;
}

type Commit = {
  readonly epoch: bigint;
  readonly sender: number;
  readonly removes: readonly number[];
  readonly adds: readonly string[];
};

interface Snapshot {
  readonly epoch: number;
  readonly leaves: (ParticipantId | "ghost" | null)[];
  readonly connectionLeaves: ReadonlyMap<ParticipantId, number | null>;
  readonly committer: ParticipantId;
  /** members of the epoch other than the committer */
  readonly others: ReadonlySet<ParticipantId>;
  readonly failed: Set<ParticipantId>;
  readonly added: readonly ParticipantId[];
}

function readCommit(bytes: Uint8Array, groupId: string): Commit | string {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    return "not an MLSMessage";
  }
  if (decoded === undefined || decoded[1] !== bytes.length) return "not an MLSMessage";
  const message = decoded[0];
  if (message.wireformat !== "mls_public_message") return "a commit must be a PublicMessage";
  const { content } = message.publicMessage;
  if (toHex(content.groupId) !== groupId) return "another group";
  if (content.contentType !== "commit" || content.sender.senderType !== "member") {
    return "not a member's commit";
  }
  const removes: number[] = [];
  const adds: string[] = [];
  for (const item of content.commit.proposals) {
    if (item.proposalOrRefType !== "proposal") return "proposals must be by value";
    const p = item.proposal;
    if (p.proposalType === "remove") removes.push(p.remove.removed);
    else if (p.proposalType === "add") adds.push(toHex(p.add.keyPackage.initKey));
    else if (p.proposalType !== "update" && p.proposalType !== "group_context_extensions") {
      return `${p.proposalType} proposals are refused`;
    }
  }
  return { epoch: content.epoch, sender: content.sender.leafIndex, removes, adds };
}

function initKeyOf(bytes: Uint8Array): string | undefined {
  try {
    const decoded = decodeMlsMessage(bytes, 0);
    if (decoded?.[0].wireformat !== "mls_key_package") return undefined;
    return toHex(decoded[0].keyPackage.initKey);
  } catch {
    return undefined;
  }
}

export class TestDeliveryService {
  #groupId: string | undefined;
  #epoch = 0;
  #leaves: (ParticipantId | "ghost" | null)[] = [];
  readonly #connections = new Map<ParticipantId, Connection>();
  #latest: Snapshot | undefined;
  #counter = 0;
  #corrupt: { id: ParticipantId; edit: (commit: string) => string } | undefined;
  #tamper: { id: ParticipantId; edit: (commit: string) => string } | undefined;
  /** Every relayed application message, for tests that replay them to outsiders. */
  readonly applicationLog: { readonly epoch: number; readonly message: ServerMessage }[] = [];
  /** Every accepted commit as relayed. */
  readonly commitLog: ServerMessage[] = [];
  rollbacks = 0;

  get epoch(): number {
    return this.#epoch;
  }

  /** Connects a participant; the service sends it `welcome` at once. */
  connect(name: string, receive: (message: ServerMessage) => void): ParticipantId {
    this.#counter++;
    const id = `p${String(this.#counter).padStart(15, "0")}` as ParticipantId;
    const connection: Connection = {
      id,
      name,
      receive,
      leaf: null,
      pending: undefined,
      silent: false,
    };
    const others = [...this.#connections.values()].map((c) => this.#participant(c));
    this.#connections.set(id, connection);
    receive({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      selfId: id,
      participants: others,
      group:
        this.#groupId === undefined ? null : { groupId: this.#groupIdText, epoch: this.#epoch },
      resumed: false,
      resumeToken: "r".repeat(43),
    });
    this.#broadcast({ type: "participant-joined", participant: this.#participant(connection) }, id);
    return id;
  }

  #groupIdText = "";

  /** The connection goes away; its leaf stays until a member commits its removal. */
  disconnect(id: ParticipantId, reason: "left" | "disconnected"): void {
    if (!this.#connections.delete(id)) return;
    this.#broadcast({ type: "participant-left", id, reason });
  }

  /** The participant stays "connected" but its messages are lost both ways (a stalled client). */
  silence(id: ParticipantId): void {
    const connection = this.#connections.get(id);
    if (connection !== undefined) connection.silent = true;
  }

  /** The next commit from `id` is edited before the service reads it (a buggy or evil client). */
  tamperNextCommit(id: ParticipantId, edit: (commit: string) => string): void {
    this.#tamper = { id, edit };
  }

  /** The next commit relayed to `id` arrives damaged (a fault on one member's path only). */
  corruptNextRelayTo(id: ParticipantId, edit: (commit: string) => string): void {
    this.#corrupt = { id, edit };
  }

  leafOf(id: ParticipantId): number | null | undefined {
    return this.#connections.get(id)?.leaf;
  }

  send(id: ParticipantId, message: MlsClientMessage): void {
    const from = this.#connections.get(id);
    if (from === undefined || from.silent) return;
    switch (message.type) {
      case "mls-found":
        this.#found(from, message.groupId);
        return;
      case "mls-key-package": {
        const { type: _, keyPackage, ...extras } = message;
        this.#keyPackage(from, keyPackage, extras);
        return;
      }
      case "mls-commit": {
        let commit = message.commit;
        if (this.#tamper?.id === id) {
          commit = this.#tamper.edit(commit);
          this.#tamper = undefined;
        }
        this.#commit(from, message.epoch, commit, message.welcome);
        return;
      }
      case "mls-message":
        this.#message(from, message.message);
        return;
      case "mls-commit-failed":
        this.#commitFailed(from, message.epoch);
        return;
    }
  }

  #participant(c: Connection): Participant {
    return { id: c.id, leaf: c.leaf, audio: false, video: false };
  }

  #deliver(c: Connection, message: ServerMessage): void {
    if (!c.silent) c.receive(message);
  }

  #broadcast(message: ServerMessage, except?: ParticipantId): void {
    for (const c of this.#connections.values()) if (c.id !== except) this.#deliver(c, message);
  }

  #members(): Connection[] {
    return [...this.#connections.values()].filter((c) => c.leaf !== null);
  }

  #error(c: Connection, code: "GROUP_EXISTS" | "NOT_A_MEMBER" | "BAD_MLS", message: string) {
    this.#deliver(c, { type: "error", code, message });
  }

  #found(from: Connection, groupId: string): void {
    if (this.#groupId !== undefined) {
      this.#error(from, "GROUP_EXISTS", "group exists");
      return;
    }
    const bytes = fromBase64url(groupId);
    if (bytes === null) {
      this.#error(from, "BAD_MLS", "bad group id");
      return;
    }
    this.#groupId = toHex(bytes);
    this.#groupIdText = groupId;
    this.#epoch = 0;
    this.#leaves = [from.id];
    from.leaf = 0;
    this.#broadcast({ type: "participant-updated", participant: this.#participant(from) });
    // Like the real service: the founder is sent the KeyPackages uploaded before the group existed.
    for (const other of this.#connections.values()) {
      if (other.pending !== undefined && other.id !== from.id) {
        this.#deliver(from, this.#keyPackageRelay(other.id, other.pending));
      }
    }
  }

  #keyPackage(from: Connection, keyPackage: string, extras: PendingUpload["extras"]): void {
    const bytes = fromBase64url(keyPackage);
    const initKey = bytes === null ? undefined : initKeyOf(bytes);
    if (initKey === undefined) {
      this.#error(from, "BAD_MLS", "not a KeyPackage");
      return;
    }
    // docs/e2ee.md is silent here; the real service refuses, and so do we: a member that must
    // join again does it on a new connection.
    if (from.leaf !== null) {
      this.#error(from, "BAD_MLS", "already a member");
      return;
    }
    from.pending = { keyPackage, initKey, extras };
    for (const member of this.#members()) {
      if (member.id !== from.id)
        this.#deliver(member, this.#keyPackageRelay(from.id, from.pending));
    }
  }

  #commit(from: Connection, epoch: number, commit: string, welcome: string | null): void {
    if (from.leaf === null) {
      this.#error(from, "NOT_A_MEMBER", "not a member");
      return;
    }
    const bytes = fromBase64url(commit);
    if (bytes === null || this.#groupId === undefined) {
      this.#error(from, "BAD_MLS", "bad commit");
      return;
    }
    const read = readCommit(bytes, this.#groupId);
    if (typeof read === "string") {
      this.#error(from, "BAD_MLS", read);
      return;
    }
    const refuse = (reason: string) =>
      this.#deliver(from, { type: "mls-commit-refused", epoch: this.#epoch, reason });
    if (epoch !== this.#epoch || read.epoch !== BigInt(this.#epoch)) {
      refuse("not the current epoch");
      return;
    }
    if (read.sender !== from.leaf) {
      refuse("sender is not the connection's leaf");
      return;
    }
    this.#accept(from, commit, welcome, read);
  }

  #accept(from: Connection, commit: string, welcome: string | null, read: Commit): void {
    const oldMembers = this.#members();
    const snapshot: Snapshot = {
      epoch: this.#epoch,
      leaves: [...this.#leaves],
      connectionLeaves: new Map([...this.#connections.values()].map((c) => [c.id, c.leaf])),
      committer: from.id,
      others: new Set(oldMembers.filter((c) => c.id !== from.id).map((c) => c.id)),
      failed: new Set(),
      added: [],
    };
    const changed = new Set<Connection>();
    // RFC 9420 §12.3: Removes first, then each Add into the lowest empty leaf.
    for (const leaf of read.removes) {
      const holder = this.#leaves[leaf];
      this.#leaves[leaf] = null;
      const connection = holder && holder !== "ghost" ? this.#connections.get(holder) : undefined;
      if (connection !== undefined && connection.leaf === leaf) {
        connection.leaf = null;
        changed.add(connection);
      }
    }
    const added: Connection[] = [];
    for (const initKey of read.adds) {
      let leaf = this.#leaves.indexOf(null);
      if (leaf < 0) leaf = this.#leaves.length;
      const connection = [...this.#connections.values()].find(
        (c) => c.pending?.initKey === initKey,
      );
      this.#leaves[leaf] = connection?.id ?? "ghost";
      if (connection !== undefined) {
        connection.leaf = leaf;
        connection.pending = undefined;
        changed.add(connection);
        added.push(connection);
      }
    }
    while (this.#leaves.length > 0 && this.#leaves[this.#leaves.length - 1] === null) {
      this.#leaves.pop();
    }
    const epoch = this.#epoch;
    this.#epoch++;
    this.#latest = { ...snapshot, added: added.map((c) => c.id) };
    const relay: ServerMessage = { type: "mls-commit", from: from.id, epoch, commit };
    this.commitLog.push(relay);
    for (const member of oldMembers) {
      if (this.#corrupt?.id === member.id && relay.type === "mls-commit") {
        this.#deliver(member, { ...relay, commit: this.#corrupt.edit(relay.commit) });
        this.#corrupt = undefined;
        continue;
      }
      this.#deliver(member, relay);
    }
    if (welcome !== null) for (const c of added) this.#deliver(c, { type: "mls-welcome", welcome });
    for (const c of changed) {
      this.#broadcast({ type: "participant-updated", participant: this.#participant(c) });
    }
    // A participant that becomes a member is sent every pending KeyPackage.
    for (const c of added) {
      for (const other of this.#connections.values()) {
        if (other.pending !== undefined && other.id !== c.id) {
          this.#deliver(c, this.#keyPackageRelay(other.id, other.pending));
        }
      }
    }
  }

  /** The KeyPackage with its proof and sealed name, relayed opaque as the real service does. */
  #keyPackageRelay(from: ParticipantId, { keyPackage, extras }: PendingUpload): ServerMessage {
    return { type: "mls-key-package", from, keyPackage, ...extras };
  }

  #message(from: Connection, message: string): void {
    if (from.leaf === null) {
      this.#error(from, "NOT_A_MEMBER", "not a member");
      return;
    }
    const relay: ServerMessage = { type: "mls-message", from: from.id, message };
    this.applicationLog.push({ epoch: this.#epoch, message: relay });
    for (const member of this.#members()) if (member.id !== from.id) this.#deliver(member, relay);
  }

  #commitFailed(from: Connection, epoch: number): void {
    const latest = this.#latest;
    if (latest === undefined || latest.epoch !== epoch || !latest.others.has(from.id)) return;
    latest.failed.add(from.id);
    if (latest.failed.size * 2 <= latest.others.size) return;
    // Roll back: the epoch, the roster, the leaves; every member hears it; the committer goes.
    this.rollbacks++;
    this.#latest = undefined;
    const affected = new Set([...this.#members().map((c) => c.id), ...latest.others]);
    this.#epoch = latest.epoch;
    this.#leaves = [...latest.leaves];
    for (const c of this.#connections.values()) {
      const before = latest.connectionLeaves.get(c.id) ?? null;
      if (c.leaf !== before) {
        c.leaf = before;
        this.#broadcast({ type: "participant-updated", participant: this.#participant(c) });
      }
    }
    for (const id of affected) {
      const c = this.#connections.get(id);
      if (c !== undefined) this.#deliver(c, { type: "mls-rollback", epoch: latest.epoch });
    }
    const committer = this.#connections.get(latest.committer);
    if (committer !== undefined) {
      this.#error(committer, "BAD_MLS", "your commit could not be applied");
      this.disconnect(committer.id, "disconnected");
    }
  }
}
