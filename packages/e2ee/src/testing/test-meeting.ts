// Test scaffolding for the member engine: a virtual clock that drives the engines' timers, and a
// meeting of engines wired to the in-memory Delivery Service. For tests only. Waiting is "until a
// condition holds, with a deadline" on the virtual clock (STYLE: no sleeps).
import { type ParticipantId, type ServerMessage, toBase64url } from "@conclave/protocol";
import { deriveInviteKeys, type InviteKeys } from "../admission/invite-keys.ts";
import {
  createMeetingMember,
  type MeetingMember,
  type MeetingMemberOptions,
} from "../member/meeting-member.ts";
import { loadMlsCiphersuite } from "../mls/ciphersuite.ts";
import { createDeviceIdentity } from "../mls/credential.ts";
import { seededRandom } from "./seeded-random.ts";
import { TestDeliveryService } from "./test-delivery-service.ts";

export class VirtualClock {
  time = Date.now();
  readonly #timers = new Map<number, { at: number; run: () => void }>();
  #next = 1;
  readonly now = () => this.time;
  readonly timers = {
    setTimeout: (run: () => void, ms: number): unknown => {
      const id = this.#next++;
      this.#timers.set(id, { at: this.time + ms, run });
      return id;
    },
    clearTimeout: (handle: unknown): void => {
      this.#timers.delete(handle as number);
    },
  };

  nextAt(): number | undefined {
    let at: number | undefined;
    for (const t of this.#timers.values()) at = at === undefined ? t.at : Math.min(at, t.at);
    return at;
  }

  /** Runs every timer due now. */
  fireDue(): number {
    let fired = 0;
    for (const [id, t] of [...this.#timers]) {
      if (t.at <= this.time) {
        this.#timers.delete(id);
        t.run();
        fired++;
      }
    }
    return fired;
  }
}

export interface TestParticipant {
  readonly name: string;
  id: ParticipantId;
  reconnects: number;
  readonly member: MeetingMember;
  readonly errors: string[];
  /** The KeyPackageRef of the latest upload each participant id showed us (its card). */
  readonly cards: Map<string, string>;
  /** As a host: admits exactly the upload `joiner`'s card shows (MeetingMember.admit). */
  admit(joiner: { readonly id: string }): Promise<boolean>;
}

export class TestMeeting {
  readonly ds = new TestDeliveryService();
  readonly clock = new VirtualClock();
  readonly participants = new Map<string, TestParticipant>();
  /** The meeting's invite secret: every participant holds it unless told otherwise. */
  readonly secret = toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  #keys: Promise<InviteKeys | undefined> | undefined;
  #deliveries = 0;

  constructor(readonly defaults: Partial<MeetingMemberOptions> = {}) {}

  async inviteKeys(): Promise<InviteKeys> {
    this.#keys ??= deriveInviteKeys(this.secret);
    const keys = await this.#keys;
    if (keys === undefined) throw new Error("no invite keys");
    return keys;
  }

  get present(): TestParticipant[] {
    return [...this.participants.values()];
  }

  /** Connects a new participant and lets everything settle (it does not wait for the join). */
  async connect(name: string, options: Partial<MeetingMemberOptions> = {}) {
    const identity =
      options.identity ??
      (await createDeviceIdentity(
        { displayName: name, deviceId: `${name}-device` },
        await loadMlsCiphersuite(),
      ));
    let id = "" as ParticipantId;
    const member = createMeetingMember({
      admission: { kind: "invite", keys: await this.inviteKeys() },
      send: (message) => this.ds.send(id, message),
      now: this.clock.now,
      timers: this.clock.timers,
      random: seededRandom(this.participants.size + 1),
      ...this.defaults,
      ...options,
      identity,
    });
    const errors: string[] = [];
    member.on("error", (e) => errors.push(`${e.code}: ${e.message}`));
    const receive = (message: ServerMessage) => {
      this.#deliveries++;
      member.receive(message);
    };
    id = this.ds.connect(name, receive);
    const cards = new Map<string, string>();
    member.on("upload", (u) => cards.set(u.participantId, u.keyPackageRef));
    const participant: TestParticipant = {
      name,
      id,
      member,
      errors,
      reconnects: 0,
      cards,
      admit: (joiner) => member.admit(joiner.id, cards.get(joiner.id) ?? ""),
    };
    // The engine asks for a new connection when it must join again: drop the old one, open anew.
    member.on("reconnect", () => {
      this.ds.disconnect(id, "disconnected");
      id = this.ds.connect(name, receive);
      participant.id = id;
      participant.reconnects++;
    });
    this.participants.set(name, participant);
    await this.settle();
    return participant;
  }

  /**
   * `name` goes: "left" says goodbye to the group first (MeetingMember.leave), as a client does
   * before it sends `leave`; "disconnected" just drops.
   */
  async leave(name: string, reason: "left" | "disconnected" = "left"): Promise<TestParticipant> {
    const p = this.participants.get(name);
    if (p === undefined) throw new Error(`no participant ${name}`);
    if (reason === "left") {
      await p.member.leave();
      await this.settle();
    }
    this.participants.delete(name);
    this.ds.disconnect(p.id, reason);
    return p;
  }

  /** Waits until every engine has handled everything sent so far, transitively. */
  async settle(): Promise<void> {
    for (;;) {
      const before = this.#deliveries;
      await Promise.all(this.present.map((p) => p.member.idle()));
      if (this.#deliveries === before) return;
    }
  }

  /** Moves the virtual clock forward by `ms`, firing timers in order and settling after each. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.time + ms;
    await this.settle();
    for (;;) {
      const at = this.clock.nextAt();
      if (at === undefined || at > end) break;
      this.clock.time = Math.max(this.clock.time, at);
      this.clock.fireDue();
      await this.settle();
    }
    this.clock.time = end;
    await this.settle();
  }

  /** Advances the clock in steps until `condition` holds; throws after `withinMs` virtual ms. */
  async until(condition: () => boolean | Promise<boolean>, withinMs: number, what = "condition") {
    const deadline = this.clock.time + withinMs;
    await this.settle();
    while (!(await condition())) {
      if (this.clock.time >= deadline) throw new Error(`${what} not reached in ${withinMs} ms`);
      await this.advance(100);
    }
  }

  /** Why the present members have not converged, or undefined if they have. */
  async divergence(): Promise<string | undefined> {
    const members = this.present.map((p) => p.member);
    const first = members[0];
    if (first === undefined) return undefined;
    for (const p of this.present) if (!p.member.joined) return `${p.name} is ${p.member.status}`;
    if (new Set(members.map((m) => m.epoch)).size !== 1) return "epochs differ";
    if (new Set(members.map((m) => m.securityCode)).size !== 1) return "security codes differ";
    const rosterOf = (m: MeetingMember) =>
      m.roster.map((r) => `${r.leaf}:${r.displayName}:${r.fingerprint}`).join("|");
    if (new Set(members.map(rosterOf)).size !== 1) return "rosters differ";
    if (first.roster.length !== members.length) return "roster size differs from the meeting";
    const names = new Set(this.present.map((p) => p.name));
    if (!first.roster.every((r) => names.has(r.displayName))) return "roster names differ";
    for (const m of members) {
      if (!m.roster.every((r) => r.self || r.nameConfirmed)) return "names not yet confirmed";
    }
    return this.mediaDivergence(members);
  }

  /** Every member's media frame opens with every other member's ring: same exporter output. */
  async mediaDivergence(members: readonly MeetingMember[]): Promise<string | undefined> {
    const metadata = Uint8Array.of(0x78);
    for (const sender of members) {
      const sealed = await sender.mediaKeyRing.encrypt("microphone", metadata, Uint8Array.of(1, 2));
      if (!sealed.ok) return `leaf ${sender.ownLeaf} cannot encrypt (${sealed.reason})`;
      for (const receiver of members) {
        if (receiver === sender) continue;
        const opened = await receiver.mediaKeyRing.decrypt(metadata, sealed.frame);
        if (!opened.ok) return `leaf ${receiver.ownLeaf} cannot open leaf ${sender.ownLeaf}`;
      }
    }
    return undefined;
  }

  async converge(withinMs: number): Promise<void> {
    let why: string | undefined = "not checked";
    await this.until(
      async () => {
        why = await this.divergence();
        return why === undefined;
      },
      withinMs,
      "convergence",
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${why}`);
    });
  }

  close(): void {
    for (const p of this.present) p.member.close();
  }
}
