/**
 * Rebuilds VP8 frames from received RTP (RFC 7741). Two stages, both total functions that count
 * and drop instead of throwing:
 *
 * 1. Reorder: packets are released in sequence-number order. A packet that jumps ahead waits
 *    until the missing ones arrive (NACK retransmissions do) or until the wait exceeds
 *    `maxReorderPackets` packets or `maxReorderMs` milliseconds; then the gap is declared.
 * 2. Assemble, in order: a frame starts at a packet with S=1 and partition index 0 and ends at
 *    the marker bit, or at a timestamp change if the marker was lost with nothing else missing.
 *    A gap drops the frame it falls in, and packets until the next frame start.
 */

export interface RtpPacketView {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly marker: boolean;
  readonly payload: Uint8Array;
}

export interface Vp8Frame {
  readonly timestamp: number;
  readonly data: Uint8Array;
  /** From the VP8 payload header's P bit (RFC 6386 §9.1; RFC 7741 §4.3). */
  readonly keyframe: boolean;
  readonly pictureId: number | null;
  /** Data was lost between the previous frame returned and this one: the chain is broken. */
  readonly afterLoss: boolean;
}

export interface Vp8Descriptor {
  /** Bytes of payload descriptor before the VP8 payload. */
  readonly length: number;
  readonly start: boolean;
  readonly partitionIndex: number;
  readonly pictureId: number | null;
}

export interface Vp8DepacketizerCounters {
  framesCompleted: number;
  keyframes: number;
  /** Frames lost to a gap or a malformed packet. */
  framesDropped: number;
  /** Packets that could not be parsed. */
  packetsMalformed: number;
  /** Packets older than what was already released (late retransmissions, duplicates). */
  packetsLate: number;
  /** Packets thrown away while waiting for the start of a frame after a gap. */
  packetsDiscarded: number;
  /** Sequence gaps given up on. */
  gaps: number;
}

/** Parses the RFC 7741 §4.2 payload descriptor; null when the packet is too short for it. */
export function parseVp8Descriptor(payload: Uint8Array): Vp8Descriptor | null {
  const b0 = payload[0];
  if (b0 === undefined) return null;
  let at = 1;
  let pictureId: number | null = null;
  if (b0 & 0x80) {
    const ext = payload[at++];
    if (ext === undefined) return null;
    if (ext & 0x80) {
      // I: PictureID, 7 bits, or 15 when its M bit is set.
      const p0 = payload[at++];
      if (p0 === undefined) return null;
      if (p0 & 0x80) {
        const p1 = payload[at++];
        if (p1 === undefined) return null;
        pictureId = ((p0 & 0x7f) << 8) | p1;
      } else {
        pictureId = p0;
      }
    }
    if (ext & 0x40) at++; // L: TL0PICIDX
    if (ext & 0x30) at++; // T or K: one byte holds TID, Y and KEYIDX
  }
  if (at >= payload.length) return null; // a descriptor with no VP8 data after it
  return { length: at, start: (b0 & 0x10) !== 0, partitionIndex: b0 & 0x07, pictureId };
}

interface Options {
  readonly maxReorderPackets?: number;
  readonly maxReorderMs?: number;
}

interface Pending {
  readonly packet: RtpPacketView;
  readonly arrivedMs: number;
}

interface Assembly {
  readonly timestamp: number;
  readonly pictureId: number | null;
  readonly parts: Uint8Array[];
}

const seqDelta = (a: number, b: number): number => ((a - b + 0x18000) & 0xffff) - 0x8000;

export class Vp8Depacketizer {
  readonly counters: Vp8DepacketizerCounters = {
    framesCompleted: 0,
    keyframes: 0,
    framesDropped: 0,
    packetsMalformed: 0,
    packetsLate: 0,
    packetsDiscarded: 0,
    gaps: 0,
  };
  private readonly maxReorderPackets: number;
  private readonly maxReorderMs: number;
  /** Next sequence number to release; null before the first packet. */
  private expected: number | null = null;
  private readonly waiting = new Map<number, Pending>();
  private current: Assembly | null = null;
  /** After a gap or a bad packet: discard until the next frame start. */
  private awaitingStart = false;
  /** Something was lost since the last frame returned; the next one carries `afterLoss`. */
  private lossSinceLastFrame = false;

  constructor(options: Options = {}) {
    this.maxReorderPackets = options.maxReorderPackets ?? 64;
    this.maxReorderMs = options.maxReorderMs ?? 150;
  }

  /** Feeds one packet; returns the frames it completed, oldest first. Never throws. */
  push(packet: RtpPacketView, nowMs: number): Vp8Frame[] {
    const out: Vp8Frame[] = [];
    try {
      this.accept(packet, nowMs, out);
    } catch {
      // Unreachable by design; if it happens, count it as a malformed packet and resync.
      this.counters.packetsMalformed++;
      this.dropCurrent();
    }
    return out;
  }

  private accept(packet: RtpPacketView, nowMs: number, out: Vp8Frame[]): void {
    const seq = packet.sequenceNumber & 0xffff;
    if (this.expected === null) this.expected = seq;
    const delta = seqDelta(seq, this.expected);
    if (delta < 0 || this.waiting.has(seq)) {
      this.counters.packetsLate++;
      return;
    }
    this.waiting.set(seq, { packet, arrivedMs: nowMs });
    this.release(out);
    // Give up on the gap when waiting longer would hold frames too long.
    while (this.waiting.size > 0 && this.mustSkip(nowMs)) {
      this.skipGap();
      this.release(out);
    }
  }

  private mustSkip(nowMs: number): boolean {
    if (this.waiting.size > this.maxReorderPackets) return true;
    for (const p of this.waiting.values()) if (nowMs - p.arrivedMs > this.maxReorderMs) return true;
    return false;
  }

  private release(out: Vp8Frame[]): void {
    while (this.expected !== null) {
      const next = this.waiting.get(this.expected);
      if (!next) return;
      this.waiting.delete(this.expected);
      this.expected = (this.expected + 1) & 0xffff;
      this.assemble(next.packet, out);
    }
  }

  /** Moves `expected` to the oldest waiting packet: the ones in between are lost. */
  private skipGap(): void {
    if (this.expected === null) return;
    let best: number | null = null;
    for (const seq of this.waiting.keys()) {
      if (best === null || seqDelta(seq, this.expected) < seqDelta(best, this.expected)) best = seq;
    }
    if (best === null) return;
    this.counters.gaps++;
    this.lossSinceLastFrame = true;
    this.expected = best;
    this.dropCurrent();
    this.awaitingStart = true;
  }

  private dropCurrent(): void {
    if (this.current) this.counters.framesDropped++;
    this.current = null;
    this.lossSinceLastFrame = true;
  }

  private assemble(packet: RtpPacketView, out: Vp8Frame[]): void {
    const descriptor = parseVp8Descriptor(packet.payload);
    if (!descriptor) {
      this.counters.packetsMalformed++;
      this.dropCurrent();
      this.awaitingStart = true;
      return;
    }
    const isFrameStart = descriptor.start && descriptor.partitionIndex === 0;
    if (this.current && packet.timestamp !== this.current.timestamp) {
      // New timestamp with nothing missing in between: the marker was lost, the frame is whole.
      this.finish(out);
    }
    if (isFrameStart) {
      if (this.current) this.dropCurrent(); // a second start inside one frame: corrupt
      this.current = { timestamp: packet.timestamp, pictureId: descriptor.pictureId, parts: [] };
      this.awaitingStart = false;
    } else if (!this.current || this.awaitingStart) {
      this.counters.packetsDiscarded++;
      return;
    }
    this.current?.parts.push(packet.payload.subarray(descriptor.length));
    if (packet.marker) this.finish(out);
  }

  private finish(out: Vp8Frame[]): void {
    const frame = this.current;
    this.current = null;
    if (!frame) return;
    const data = concat(frame.parts);
    const first = data[0];
    if (first === undefined) {
      this.counters.framesDropped++;
      this.lossSinceLastFrame = true;
      return;
    }
    const keyframe = (first & 0x01) === 0;
    this.counters.framesCompleted++;
    if (keyframe) this.counters.keyframes++;
    const afterLoss = this.lossSinceLastFrame;
    this.lossSinceLastFrame = false;
    out.push({ timestamp: frame.timestamp, data, keyframe, pictureId: frame.pictureId, afterLoss });
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
