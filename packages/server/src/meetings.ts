import type { RoomId } from "@conclave/protocol";
import type { Sfu } from "@conclave/sfu";
import type { Capacity } from "./capacity.ts";
import type { Coordination } from "./coordination/coordination.ts";
import { loadMeeting, MeetingJournal, type StoredMeeting } from "./coordination/meeting-journal.ts";
import type { Lease } from "./coordination/meeting-lease.ts";
import { MeetingOwnership } from "./coordination/meeting-ownership.ts";
import { roomTag } from "./logger.ts";
import { Meeting, type MeetingOptions } from "./meeting.ts";
import type { PresentedLink } from "./meeting-link.ts";
import { FencedRecord, type MeetingRecord } from "./meeting-record.ts";
import { Refusal } from "./refusal.ts";

/** How often a join waiting for a meeting's lease asks for it again, and how long past its life. */
const LEASE_POLL_MS = 100;
const LEASE_WAIT_MARGIN_MS = 500;
/** How often it asks while the holder is draining (about to release the lease). */
const DRAINING_POLL_MS = 20;
/**
 * The meeting runs on another node, alive and reached at `url`: the connection is forwarded
 * there (forwarded-connection.ts, session.ts).
 */
export class OwnedElsewhere extends Error {
  override readonly name = "OwnedElsewhere";
  constructor(
    readonly url: string,
    /** The node, as the lease names it. */
    readonly owner: string,
  ) {
    super("the meeting runs on another node");
  }
}

/**
 * A join that may be passed on to the node that runs its meeting (a connection not forwarded
 * yet): OwnedElsewhere for a live holder of the lease, unless it is the `unreachable` one (a
 * forward to it just failed: it died, and its entry in the registry has not run out yet).
 */
export interface Forwarding {
  readonly unreachable: string | null;
}

const HANDED_OFF = "this server is going out of service; reconnecting to another";
const UNCOORDINATED = "the server cannot reach its coordination store; trying again in a moment";
const ELSEWHERE =
  "this meeting is running on another server node right now; trying again in a moment";

/**
 * All meetings on this server: opened by their first joiner, closed when nobody is left. Each open
 * meeting counts against the rooms cap of the server and of the address that opened it.
 *
 * With several machines sharing Redis (`coordination`), a meeting runs here only while this node
 * holds its lease (coordination/meeting-lease.ts): the first join takes it, and finds in Redis what
 * a node that died left of the meeting (its Delivery Service, places and logs), or nothing for a
 * new one. A join for a meeting whose lease another node holds goes to that node when it is
 * alive (OwnedElsewhere: the session forwards the connection); else it waits for the lease up to
 * its time to live (the node died: its lease runs out by then), then is refused with SERVER_BUSY,
 * which clients retry.
 */
export class Meetings {
  private readonly open = new Map<RoomId, Meeting>();
  /** Leases being taken, by room: a second join for the room waits for the first's. */
  private readonly claims = new Map<RoomId, Promise<Meeting | undefined>>();
  /** Told when a meeting closes (a cluster's worker tells its primary, cluster/worker-main.ts). */
  onClosed: ((id: RoomId) => void) | null = null;

  constructor(
    private readonly sfu: Sfu,
    private readonly capacity: Capacity,
    private readonly options: MeetingOptions,
    private readonly coordination: Coordination | null = null,
  ) {}

  get(id: RoomId): Meeting | undefined {
    return this.open.get(id);
  }

  /**
   * The meeting `id` as this node runs it: open here, or (with Redis) taken over from a node that
   * died. With `opening`, a meeting found nowhere is opened for that joiner (or TOO_MANY_ROOMS).
   * Refused with SERVER_BUSY while another node holds its lease.
   */
  async claim(
    id: RoomId,
    address: string,
    opening?: { readonly link: PresentedLink | null },
    /** Throw OwnedElsewhere when another live node runs it (Forwarding). */
    forwarding: Forwarding | null = null,
  ): Promise<Meeting | undefined> {
    for (;;) {
      const here = this.open.get(id);
      if (here) return here;
      if (!this.coordination) return opening ? this.openFor(id, address, opening.link) : undefined;
      const pending = this.claims.get(id);
      if (!pending) break;
      // Its outcome is for its own caller; this one looks again.
      await pending.catch(() => {});
    }
    const claim = this.takeLease(this.coordination, id, address, opening, forwarding)
      .catch((error: unknown) => {
        throw this.uncoordinated(error, id);
      })
      .finally(() => this.claims.delete(id));
    this.claims.set(id, claim);
    return claim;
  }

  /** Opens meeting `id` here for its first joiner, or throws TOO_MANY_ROOMS. */
  openFor(
    id: RoomId,
    address: string,
    link: PresentedLink | null,
    record: MeetingRecord | null = null,
  ): Meeting {
    this.capacity.openRoom(address);
    const meeting = new Meeting(
      id,
      this.sfu.openRoom(id),
      link,
      this.options,
      () => {
        this.open.delete(id);
        this.capacity.rooms.give(address);
        this.onClosed?.(id);
      },
      record,
    );
    this.open.set(id, meeting);
    return meeting;
  }

  /** Connected participants on the server (drain waits for none). */
  get participantCount(): number {
    let n = 0;
    for (const meeting of this.open.values()) n += meeting.present;
    return n;
  }

  /**
   * Hands every meeting here to whichever node its members reach next (with Redis, a drain):
   * each member is told to reconnect, what the meeting wrote is finished, and its lease released
   * at once, so another node takes it without waiting for it to run out (meeting.ts `handOff`).
   * Stops waiting for a meeting after `boundMs` (Redis unreachable): its lease then runs out by
   * itself, as when a node dies.
   */
  async handOffAll(boundMs: number): Promise<void> {
    const log = this.options.log;
    // A lease being taken as the drain began makes one more meeting to hand off, not to close.
    await Promise.allSettled(this.claims.values());
    await Promise.all(
      [...this.open.values()].map(async (meeting) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), boundMs);
        });
        const handOff = meeting.handOff(HANDED_OFF, Math.floor(boundMs / 2)).then(
          () => true,
          (err: unknown) => {
            log.warn({ err: String(err), room: roomTag(meeting.id) }, "could not release a lease");
            return false;
          },
        );
        const handed = await Promise.race([handOff, late]);
        clearTimeout(timer);
        log.info({ room: roomTag(meeting.id), handed }, "meeting handed off");
      }),
    );
  }

  /** Closes every meeting (shutdown). */
  closeAll(): void {
    for (const meeting of [...this.open.values()]) {
      meeting.close("SHUTTING_DOWN", "the server is restarting; join again shortly");
    }
  }

  /**
   * What a failed take of the lease says: a refusal or a meeting owned elsewhere as it is;
   * anything else means Redis cannot be reached (or answered what no Redis does), and nobody can
   * own the meeting now.
   */
  private uncoordinated(error: unknown, id: RoomId): unknown {
    if (error instanceof Refusal || error instanceof OwnedElsewhere) return error;
    this.options.log.warn({ err: String(error), room: roomTag(id) }, "could not take a lease");
    return new Refusal("SERVER_BUSY", UNCOORDINATED);
  }

  /**
   * Takes the meeting's lease, or throws OwnedElsewhere (`forwarding`) when a live node that is
   * not draining holds it. A node that died holds it until it runs out, and a draining node until
   * it has finished its writes: the join waits for that rather than send its client into a
   * back-off, so members are back as soon as the lease is free; SERVER_BUSY past its time. Another
   * node that takes the lease meanwhile (it waited too) is the owner to forward to.
   */
  private async waitForLease(
    coordination: Coordination,
    id: RoomId,
    forwarding: Forwarding | null,
  ): Promise<{ lease: Extract<Lease, { held: true }>; since: number }> {
    let since = Date.now();
    let lease = await coordination.leases.acquire(id);
    let pollMs = LEASE_POLL_MS;
    const first = lease.held ? null : lease.owner;
    if (!lease.held && forwarding && lease.owner !== forwarding.unreachable) {
      const draining = await this.forwardToLive(coordination, lease.owner);
      // Releasing within milliseconds: waiting for it is quicker than a detour.
      if (draining) pollMs = DRAINING_POLL_MS;
    }
    const deadline = since + coordination.leaseTtlMs + LEASE_WAIT_MARGIN_MS;
    while (!lease.held && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      since = Date.now();
      lease = await coordination.leases.acquire(id);
      if (!lease.held && forwarding && lease.owner !== first) {
        await this.forwardToLive(coordination, lease.owner);
      }
    }
    if (!lease.held) throw new Refusal("SERVER_BUSY", ELSEWHERE);
    return { lease, since };
  }

  /**
   * Throws OwnedElsewhere when `holder`, the lease's holder, is a live node that is not draining;
   * true when it is draining.
   */
  private async forwardToLive(coordination: Coordination, holder: string): Promise<boolean> {
    const owner = (await coordination.registry.live()).find((n) => n.id === holder);
    if (owner && !owner.draining) throw new OwnedElsewhere(owner.address, owner.id);
    return owner?.draining === true;
  }

  /** Takes the lease, then the meeting as Redis has it (or a new one, `opening`). */
  private async takeLease(
    coordination: Coordination,
    id: RoomId,
    address: string,
    opening: { readonly link: PresentedLink | null } | undefined,
    forwarding: Forwarding | null,
  ): Promise<Meeting | undefined> {
    const { leases, redis, node, leaseTtlMs } = coordination;
    const log = this.options.log;
    const { lease, since } = await this.waitForLease(coordination, id, forwarding);
    let stored: StoredMeeting | null;
    try {
      stored = await loadMeeting(redis, id);
    } catch (err) {
      // Not what an owner writes: nothing of it can be trusted, so the meeting starts anew.
      log.error({ err, room: roomTag(id) }, "a meeting's record in Redis is unreadable; ignored");
      stored = null;
    }
    if (!stored && !opening) {
      await leases.release(id, lease.token);
      return undefined;
    }
    const stateTtlMs = leaseTtlMs + this.options.reconnectWindowMs;
    const journal = new MeetingJournal(redis, id, node, lease.token, stateTtlMs);
    let meeting: Meeting | undefined;
    const ownership = new MeetingOwnership(
      leases,
      id,
      lease.token,
      leaseTtlMs,
      journal,
      since,
      (why) => {
        log.warn({ room: roomTag(id), why }, "lost the meeting's lease; stopped serving it");
        meeting?.abandon();
      },
    );
    const record = new FencedRecord(stored, journal, ownership, log);
    try {
      meeting = this.openFor(id, address, opening?.link ?? null, record);
    } catch (error) {
      ownership.lose("the meeting could not open here");
      await leases.release(id, lease.token);
      throw error;
    }
    // A record with nobody to hold a place for (nobody in the group yet): nothing to carry on.
    if (!opening && meeting.size === 0) {
      meeting.closeIfEmpty();
      return undefined;
    }
    const restored = stored
      ? { places: stored.places.length, epoch: stored.delivery?.epoch }
      : null;
    log.info({ room: roomTag(id), token: lease.token, restored }, "meeting lease taken");
    return meeting;
  }
}
