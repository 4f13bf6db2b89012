import { createHash } from "node:crypto";
import {
  type ClientMessage,
  type ErrorCode,
  fromBase64url,
  type MlsServerMessage,
  type ParticipantId,
  toBase64url,
} from "@conclave/protocol";
import { type Framing, readFraming } from "./mls-framing.ts";
import { FOUNDING_SETTINGS, type RoomSettings } from "./room-settings.ts";

/** What a member sends the Delivery Service (docs/e2ee.md "The Delivery Service protocol"). */
export type MlsClientMessage = Extract<ClientMessage, { type: `mls-${string}` }>;

/** A message for one participant. */
export interface Delivery {
  readonly to: ParticipantId;
  readonly message: MlsServerMessage;
}

/** What one input did: messages to send, and whom to disconnect or tell about new leaves. */
export interface Outcome {
  readonly deliveries: Delivery[];
  /** An error reply for the sender; nothing else changed. */
  readonly refusal?: { readonly code: ErrorCode; readonly message: string };
  /** Connections to close (a committer whose commit was rolled back). */
  readonly disconnect: ParticipantId[];
  /** Participants whose leaf changed: the server announces them with participant-updated. */
  readonly leafChanged: ParticipantId[];
  /** Connected participants whose leaf an accepted commit removed: the server closes them. */
  readonly removed?: ParticipantId[];
}

interface CommitRecord {
  /** The epoch the commit was made in. */
  readonly epoch: number;
  readonly committer: ParticipantId;
  /** The commit as relayed, and SHA-256 of its bytes (base64url): what reports are about. */
  readonly commit: string;
  readonly ref: string;
  /** Roster before the commit, to roll back to. */
  readonly before: ReadonlyMap<number, ParticipantId | null>;
  readonly settingsBefore: RoomSettings;
  /**
   * Leaves of that epoch that may report failure: all but the committer's and those the commit
   * removes, connected or not, exactly as each member counts them (docs/e2ee.md "Recovery").
   */
  readonly eligible: ReadonlySet<number>;
  /** Signed failure reports by leaf, relayed as the rollback's evidence. */
  readonly reports: Map<number, string>;
}

/**
 * What a new owner needs to carry a meeting's Delivery Service on after its node died (DESIGN.md
 * §5): the group, its epoch, which participant holds each leaf, and the settings. Ids and counts
 * only, all of which the service reads from public framing anyway; no key, no content. KeyPackages
 * waiting for an Add are not in it (their senders' connections ended with the node, and they
 * upload again), nor the last commit's record (a rollback across a failover is not offered).
 */
export interface DeliverySnapshot {
  readonly groupId: string;
  readonly epoch: number;
  readonly leaves: readonly (readonly [number, ParticipantId | null])[];
  readonly settings: RoomSettings;
}

/** A member's signed report that it could not apply the commit of `epoch` (rollback-evidence). */
export interface FailureReport {
  readonly epoch: number;
  readonly commitRef: string;
  readonly leaf: number;
  readonly signature: string;
}

/** What a joiner sends beside its KeyPackage, opaque here: admission proof and sealed name. */
export interface KeyPackageExtras {
  readonly proof?: string;
  readonly name?: string;
}

interface PendingKeyPackage {
  readonly from: ParticipantId;
  readonly keyPackage: string;
  readonly extras: KeyPackageExtras;
}

function relayOf(to: ParticipantId, { from, keyPackage, extras }: PendingKeyPackage): Delivery {
  const message: MlsServerMessage = { type: "mls-key-package", from, keyPackage, ...extras };
  return { to, message };
}

const NOTHING: Outcome = { deliveries: [], disconnect: [], leafChanged: [] };
const refuse = (code: ErrorCode, message: string): Outcome => ({
  ...NOTHING,
  refusal: { code, message },
});
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
/** SHA-256 of a commit's bytes, base64url: members sign this reference in their reports. */
const commitRefOf = (commit: string) =>
  toBase64url(
    createHash("sha256")
      .update(fromBase64url(commit) ?? new Uint8Array())
      .digest(),
  );

/**
 * The MLS Delivery Service for one room (RFC 9420 §16, docs/e2ee.md): orders commits, first valid
 * one per epoch wins; relays KeyPackages, Welcomes and application messages; follows epoch and
 * roster from the public framing. It holds no key and cannot read any content.
 */
export class GroupDelivery {
  private group: { readonly id: string; readonly idHex: string; epoch: number } | null = null;
  /** Occupied leaves and the participant that holds each (null: no connection claims it). */
  private leaves = new Map<number, ParticipantId | null>();
  /** KeyPackages waiting for an Add (with their opaque admission proofs), by init key; one per participant. */
  private readonly pending = new Map<string, PendingKeyPackage>();
  private readonly connected = new Set<ParticipantId>();
  private lastCommit: CommitRecord | null = null;
  private roomSettings: RoomSettings = FOUNDING_SETTINGS;

  get state(): { groupId: string; epoch: number } | null {
    return this.group && { groupId: this.group.id, epoch: this.group.epoch };
  }

  /** Lock, lobby and knocking as the latest accepted commit set them (room-settings.ts). */
  get settings(): RoomSettings {
    return this.roomSettings;
  }

  /** The state a new owner restores (`restore`), or null before the group is founded. */
  snapshot(): DeliverySnapshot | null {
    if (!this.group) return null;
    const { id, epoch } = this.group;
    return { groupId: id, epoch, leaves: [...this.leaves], settings: this.roomSettings };
  }

  /** A service carrying on from `snapshot`, with nobody connected yet. */
  static restore(snapshot: DeliverySnapshot): GroupDelivery {
    const delivery = new GroupDelivery();
    const bytes = fromBase64url(snapshot.groupId);
    if (bytes?.length !== 16) throw new Error("a snapshot's group id is 16 bytes");
    delivery.group = { id: snapshot.groupId, idHex: hex(bytes), epoch: snapshot.epoch };
    delivery.leaves = new Map(snapshot.leaves);
    delivery.roomSettings = snapshot.settings;
    return delivery;
  }

  leafOf(participant: ParticipantId): number | null {
    for (const [leaf, holder] of this.leaves) if (holder === participant) return leaf;
    return null;
  }

  connect(participant: ParticipantId): void {
    this.connected.add(participant);
  }

  /** The connection is gone: its pending KeyPackage goes; its leaf stays until a Remove. */
  disconnect(participant: ParticipantId): void {
    this.connected.delete(participant);
    for (const [key, entry] of this.pending)
      if (entry.from === participant) this.pending.delete(key);
  }

  /**
   * The KeyPackages waiting for an Add, as relayed to member `to`: for a member back from a drop,
   * whose client forgot those it had (it cannot tell a knock still waiting from one gone).
   */
  waitingFor(to: ParticipantId): Delivery[] {
    return this.leafOf(to) === null ? [] : this.pendingFor(to);
  }

  /** The service's answer to one MLS message from participant `from`. */
  receive(from: ParticipantId, message: MlsClientMessage): Outcome {
    switch (message.type) {
      case "mls-found":
        return this.found(from, message.groupId);
      case "mls-key-package":
        return this.keyPackage(from, message.keyPackage, {
          ...(message.proof ? { proof: message.proof } : {}),
          ...(message.name ? { name: message.name } : {}),
        });
      case "mls-commit":
        return this.commit(from, message.epoch, message.commit, message.welcome);
      case "mls-message":
        return this.message(from, message.message);
      case "mls-commit-failed": {
        const { epoch, commitRef, leaf, signature } = message;
        return this.commitFailed(from, { epoch, commitRef, leaf, signature });
      }
    }
  }

  found(from: ParticipantId, groupId: string): Outcome {
    if (this.group)
      return refuse("GROUP_EXISTS", "this meeting's group exists; join it with a KeyPackage");
    const bytes = fromBase64url(groupId);
    if (bytes?.length !== 16) return refuse("BAD_MLS", "group id must be 16 bytes");
    this.group = { id: groupId, idHex: hex(bytes), epoch: 0 };
    this.leaves = new Map([[0, from]]);
    this.lastCommit = null;
    this.roomSettings = FOUNDING_SETTINGS;
    return { ...NOTHING, leafChanged: [from], deliveries: this.pendingFor(from) };
  }

  /**
   * A joiner's KeyPackage, relayed to the members with its admission proof and sealed name as they
   * came: the service cannot check a proof (it never holds the admit key), and does not need to.
   */
  keyPackage(from: ParticipantId, keyPackage: string, extras: KeyPackageExtras = {}): Outcome {
    const framing = this.frame(keyPackage);
    if (!framing.ok) return framing.outcome;
    if (framing.value.kind !== "key-package") return refuse("BAD_MLS", "expected a KeyPackage");
    if (this.leafOf(from) !== null) return refuse("BAD_MLS", "already a member");
    for (const [key, entry] of this.pending) if (entry.from === from) this.pending.delete(key);
    const entry: PendingKeyPackage = { from, keyPackage, extras };
    this.pending.set(framing.value.initKey, entry);
    return { ...NOTHING, deliveries: this.members().map((to) => relayOf(to, entry)) };
  }

  commit(from: ParticipantId, epoch: number, commit: string, welcome: string | null): Outcome {
    const group = this.group;
    const leaf = this.leafOf(from);
    if (!group || leaf === null) return refuse("NOT_A_MEMBER", "only members commit");
    const framing = this.frame(commit);
    if (!framing.ok) return framing.outcome;
    const f = framing.value;
    if (f.kind !== "commit") return refuse("BAD_MLS", "expected a commit");
    if (welcome !== null) {
      const w = this.frame(welcome);
      if (!w.ok) return w.outcome;
      if (w.value.kind !== "welcome") return refuse("BAD_MLS", "expected a Welcome");
    }
    if (f.groupId !== group.idHex) return refuse("BAD_MLS", "commit for another group");
    if (epoch !== group.epoch || f.epoch !== BigInt(group.epoch)) {
      return {
        ...NOTHING,
        deliveries: [
          {
            to: from,
            message: { type: "mls-commit-refused", epoch: group.epoch, reason: "stale epoch" },
          },
        ],
      };
    }
    if (f.senderLeaf !== leaf) return refuse("BAD_MLS", "commit signed as another leaf");
    if (f.removes.some((r) => !this.leaves.has(r)))
      return refuse("BAD_MLS", "removes an empty leaf");
    if (f.adds.length > 0 && welcome === null) return refuse("BAD_MLS", "an Add needs its Welcome");

    const recipients = this.members();
    const before = new Map(this.leaves);
    const removed = f.removes.flatMap((leaf) => {
      const holder = this.leaves.get(leaf);
      return holder && this.connected.has(holder) ? [holder] : [];
    });
    const added = this.apply(f);
    const settingsBefore = this.roomSettings;
    this.roomSettings = f.settings ?? this.roomSettings;
    this.lastCommit = {
      epoch,
      committer: from,
      commit,
      ref: commitRefOf(commit),
      before,
      settingsBefore,
      eligible: new Set([...before.keys()].filter((l) => l !== leaf && !f.removes.includes(l))),
      reports: new Map(),
    };
    group.epoch += 1;
    const deliveries: Delivery[] = recipients.map((to) => ({
      to,
      message: { type: "mls-commit", from, epoch, commit },
    }));
    for (const participant of added) {
      if (welcome) deliveries.push({ to: participant, message: { type: "mls-welcome", welcome } });
      deliveries.push(...this.pendingFor(participant));
    }
    return { ...NOTHING, deliveries, leafChanged: this.changedLeaves(before), removed };
  }

  message(from: ParticipantId, message: string): Outcome {
    const group = this.group;
    if (!group || this.leafOf(from) === null)
      return refuse("NOT_A_MEMBER", "only members send to the group");
    const framing = this.frame(message);
    if (!framing.ok) return framing.outcome;
    const f = framing.value;
    if (f.kind !== "application" || f.groupId !== group.idHex)
      return refuse("BAD_MLS", "expected application data of this group");
    // The current epoch, or the one before while commits cross application messages in flight.
    if (f.epoch !== BigInt(group.epoch) && f.epoch !== BigInt(group.epoch - 1)) {
      return refuse("BAD_MLS", "application message from an old epoch");
    }
    return {
      ...NOTHING,
      deliveries: this.members()
        .filter((to) => to !== from)
        .map((to) => ({ to, message: { type: "mls-message", from, message } })),
    };
  }

  /**
   * A member could not apply the commit made in `epoch`. Its report must name its own leaf of that
   * epoch and the commit ordered; the service cannot check the signature (it holds no tree) and
   * relays it for the members to check. Reports from more than half of the eligible leaves roll
   * the commit back. A late report (the epoch moved on, or nothing to roll back) is ignored.
   */
  commitFailed(from: ParticipantId, report: FailureReport): Outcome {
    const record = this.lastCommit;
    const group = this.group;
    if (!group || !record || record.epoch !== report.epoch || group.epoch !== report.epoch + 1) {
      return NOTHING;
    }
    if (record.before.get(report.leaf) !== from) {
      return refuse("BAD_MLS", "a failure report must name the reporter's own leaf");
    }
    if (!record.eligible.has(report.leaf)) {
      return refuse("BAD_MLS", "the committer and the members it removes do not report");
    }
    if (report.commitRef !== record.ref) {
      return refuse("BAD_MLS", "a failure report about another commit");
    }
    record.reports.set(report.leaf, report.signature);
    if (record.reports.size * 2 <= record.eligible.size) return NOTHING;
    const epoch = record.epoch;
    const current = new Map(this.leaves);
    // Those the withdrawn commit added hold a leaf no more: they are told too, so they rejoin.
    const addedByIt = [...current.values()].filter(
      (p): p is ParticipantId =>
        p !== null && this.connected.has(p) && ![...record.before.values()].includes(p),
    );
    this.leaves = new Map(record.before);
    this.roomSettings = record.settingsBefore;
    group.epoch = epoch;
    this.lastCommit = null;
    const leafChanged = this.changedLeaves(current);
    const rollback: MlsServerMessage = {
      type: "mls-rollback",
      epoch,
      commit: record.commit,
      reports: [...record.reports].map(([leaf, signature]) => ({ leaf, signature })),
    };
    return {
      deliveries: [...this.members(), ...addedByIt]
        .filter((to) => to !== record.committer)
        .map((to) => ({ to, message: rollback })),
      disconnect: [record.committer],
      leafChanged,
    };
  }

  /** Connected participants that hold a leaf. */
  private members(): ParticipantId[] {
    const out: ParticipantId[] = [];
    for (const holder of this.leaves.values())
      if (holder && this.connected.has(holder)) out.push(holder);
    return out;
  }

  private pendingFor(to: ParticipantId): Delivery[] {
    return [...this.pending.values()].map((entry) => relayOf(to, entry));
  }

  /** RFC 9420 §12.3: removes first, then each add takes the lowest empty leaf. */
  private apply(f: Extract<Framing, { kind: "commit" }>): ParticipantId[] {
    for (const leaf of f.removes) this.leaves.delete(leaf);
    const added: ParticipantId[] = [];
    for (const initKey of f.adds) {
      let leaf = 0;
      while (this.leaves.has(leaf)) leaf++;
      const entry = this.pending.get(initKey);
      this.pending.delete(initKey);
      const holder = entry && this.connected.has(entry.from) ? entry.from : null;
      this.leaves.set(leaf, holder);
      if (holder) added.push(holder);
    }
    return added;
  }

  private changedLeaves(before: ReadonlyMap<number, ParticipantId | null>): ParticipantId[] {
    const changed = new Set<ParticipantId>();
    const leafIn = (map: ReadonlyMap<number, ParticipantId | null>, p: ParticipantId) => {
      for (const [leaf, holder] of map) if (holder === p) return leaf;
      return null;
    };
    for (const map of [before, this.leaves]) {
      for (const holder of map.values()) {
        if (holder && leafIn(before, holder) !== leafIn(this.leaves, holder)) changed.add(holder);
      }
    }
    return [...changed];
  }

  private frame(b64: string): { ok: true; value: Framing } | { ok: false; outcome: Outcome } {
    const bytes = fromBase64url(b64);
    if (!bytes) return { ok: false, outcome: refuse("BAD_MLS", "not base64url") };
    const result = readFraming(bytes);
    if (!result.ok) return { ok: false, outcome: refuse("BAD_MLS", result.reason) };
    return { ok: true, value: result.framing };
  }
}
