/**
 * Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01,
 * RTCP RTPFB FMT 15), both ways. For what one publish connection receives, the SFU writes it: the
 * arrival time of every packet by its transport-wide sequence number, so the publisher's own
 * estimator (Chromium's and Firefox's GCC) sees the path to the SFU and sets its encoders' rate to
 * what the path takes. For what a receiving connection sends, the receiver writes it and the SFU
 * reads it (`reportOf`), for its own estimate of the receiver's downlink (delay-trend.ts).
 *
 * werift's ReceiverTWCC does this wrongly (docs/media-adaptation.md): its reference time and first
 * delta disagree by up to 64 ms, it reports gaps as received, and it keeps one sequence per m-line.
 */

import { PacketStatus, RunLengthChunk, type TransportWideCC } from "werift";

/** Units of the draft's fields. */
const REFERENCE_UNIT_US = 64_000;
const DELTA_UNIT_US = 250;
const MAX_RUN = 0x1fff;
const MAX_STATUS_COUNT = 0xffff;

enum Status {
  NotReceived = 0,
  SmallDelta = 1,
  LargeDelta = 2,
}

/** One feedback message's content: packets base..base+count-1, received ones with arrival µs. */
export interface FeedbackReport {
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  /** The 16-bit transport sequence number of the first packet reported. */
  readonly baseSequence: number;
  /** Arrival time in µs, or undefined for not received, of each packet from base on. */
  readonly arrivals: readonly (number | undefined)[];
  /** Feedback packet count, 8 bits. */
  readonly count: number;
}

/** Encodes one feedback as an RTCP packet (header included), run-length chunks only (§3.1.3). */
export function encodeFeedback(report: FeedbackReport): Buffer {
  const firstArrival = report.arrivals.find((t) => t !== undefined);
  if (firstArrival === undefined) throw new RangeError("a feedback reports at least one arrival");
  const referenceTime = Math.floor(firstArrival / REFERENCE_UNIT_US);
  const statuses: Status[] = [];
  const deltas: number[] = [];
  let previous = referenceTime * REFERENCE_UNIT_US;
  for (const arrival of report.arrivals) {
    if (arrival === undefined) {
      statuses.push(Status.NotReceived);
      continue;
    }
    const delta = Math.round((arrival - previous) / DELTA_UNIT_US);
    previous += delta * DELTA_UNIT_US;
    statuses.push(delta >= 0 && delta <= 0xff ? Status.SmallDelta : Status.LargeDelta);
    deltas.push(delta);
  }
  const chunks = runLengthChunks(statuses);
  const deltaBytes = deltas.reduce((n, d) => n + (d >= 0 && d <= 0xff ? 1 : 2), 0);
  const body = 16 + chunks.length * 2 + deltaBytes;
  const padded = Math.ceil(body / 4) * 4;
  const packet = Buffer.alloc(4 + padded);
  const padding = padded - body;
  packet[0] = 0x80 | (padding > 0 ? 0x20 : 0) | 15;
  packet[1] = 205;
  packet.writeUInt16BE(padded / 4, 2);
  packet.writeUInt32BE(report.senderSsrc >>> 0, 4);
  packet.writeUInt32BE(report.mediaSsrc >>> 0, 8);
  packet.writeUInt16BE(report.baseSequence & 0xffff, 12);
  packet.writeUInt16BE(report.arrivals.length, 14);
  packet.writeUIntBE(referenceTime & 0xffffff, 16, 3);
  packet[19] = report.count & 0xff;
  let offset = 20;
  for (const chunk of chunks) offset = packet.writeUInt16BE(chunk, offset);
  for (const delta of deltas) {
    offset =
      delta >= 0 && delta <= 0xff
        ? packet.writeUInt8(delta, offset)
        : packet.writeInt16BE(Math.max(-0x8000, Math.min(0x7fff, delta)), offset);
  }
  if (padding > 0) packet[packet.length - 1] = padding;
  return packet;
}

/**
 * The content of a feedback werift parsed: each packet's status from its run-length and status
 * vector chunks (§3.1.3, §3.1.4), and the arrival times its receive deltas add up to from the
 * reference time. werift gives the deltas of received packets in order, in µs.
 */
export function reportOf(feedback: TransportWideCC): FeedbackReport {
  const statuses: number[] = [];
  for (const chunk of feedback.packetChunks) {
    if (chunk instanceof RunLengthChunk) {
      for (let i = 0; i < chunk.runLength; i++) statuses.push(chunk.packetStatus);
    } else {
      // One-bit symbols say received (with a small delta) or not; two-bit ones are statuses.
      for (const symbol of chunk.symbolList) {
        statuses.push(chunk.symbolSize === 0 && symbol === 1 ? Status.SmallDelta : symbol);
      }
    }
  }
  statuses.length = Math.min(statuses.length, feedback.packetStatusCount);
  const arrivals: (number | undefined)[] = [];
  let time = feedback.referenceTime * REFERENCE_UNIT_US;
  let next = 0;
  for (const status of statuses) {
    const delta = feedback.recvDeltas[next];
    const received =
      status === PacketStatus.TypeTCCPacketReceivedSmallDelta ||
      status === PacketStatus.TypeTCCPacketReceivedLargeDelta;
    if (!received || delta === undefined) {
      arrivals.push(undefined);
      continue;
    }
    next++;
    time += delta.delta;
    arrivals.push(time);
  }
  return {
    senderSsrc: feedback.senderSsrc,
    mediaSsrc: feedback.mediaSourceSsrc,
    baseSequence: feedback.baseSequenceNumber,
    arrivals,
    count: feedback.fbPktCount,
  };
}

/** Run-length chunks (§3.1.3): T=0, two status bits, 13-bit run length. */
function runLengthChunks(statuses: readonly Status[]): number[] {
  const chunks: number[] = [];
  let i = 0;
  while (i < statuses.length) {
    const status = statuses[i] as Status;
    let run = 1;
    while (i + run < statuses.length && statuses[i + run] === status && run < MAX_RUN) run++;
    chunks.push((status << 13) | run);
    i += run;
  }
  return chunks;
}

/** Where feedback goes: the connection's DTLS transport. */
export type RtcpWriter = (packet: Buffer) => void;

/**
 * Arrivals on one connection, sent as feedback every `intervalMs` and whenever 100 wait. Sequence
 * numbers are unwrapped to a running count, so a feedback across 65535 → 0 stays in order; a packet
 * that arrives after its number was reported goes in the next feedback on its own.
 */
export class TransportFeedback {
  private readonly arrivals = new Map<number, number>();
  /** The unwrapped number after the last one reported: where the next feedback starts. */
  private nextToReport: number | null = null;
  private highest: number | null = null;
  /**
   * An SSRC the publisher sends with: libwebrtc hands transport feedback to its estimator only when
   * the media SSRC is one of its own streams (RTCPReceiver), although the sequence is transport-wide.
   */
  mediaSsrc: number | undefined;
  private count = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly senderSsrc: number,
    private readonly write: RtcpWriter,
    intervalMs = 50,
    private readonly nowUs: () => number = () => performance.now() * 1000,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  /** Records one arrival; `sequence` is the 16-bit transport-wide number of the packet. */
  received(sequence: number): void {
    const unwrapped = this.unwrap(sequence);
    if (!this.arrivals.has(unwrapped)) this.arrivals.set(unwrapped, this.nowUs());
    if (this.arrivals.size >= 100) this.flush();
  }

  /** Sends what arrived since the last feedback, if anything did. */
  flush(): void {
    if (this.arrivals.size === 0) return;
    if (this.mediaSsrc === undefined) {
      this.arrivals.clear();
      return;
    }
    const numbers = [...this.arrivals.keys()].sort((a, b) => a - b);
    const lowest = numbers[0] as number;
    const highest = numbers[numbers.length - 1] as number;
    // Start where the last feedback ended, so packets lost in between are reported as lost; a late
    // packet (below that) is reported from itself.
    let base =
      this.nextToReport !== null && this.nextToReport <= lowest ? this.nextToReport : lowest;
    base = Math.max(base, highest - MAX_STATUS_COUNT + 1);
    const arrivals: (number | undefined)[] = [];
    for (let n = base; n <= highest; n++) arrivals.push(this.arrivals.get(n));
    this.arrivals.clear();
    if (arrivals.every((t) => t === undefined)) return;
    this.nextToReport =
      this.nextToReport === null ? highest + 1 : Math.max(this.nextToReport, highest + 1);
    const packet = encodeFeedback({
      senderSsrc: this.senderSsrc,
      mediaSsrc: this.mediaSsrc,
      baseSequence: base & 0xffff,
      arrivals,
      count: this.count,
    });
    this.count = (this.count + 1) & 0xff;
    this.write(packet);
  }

  close(): void {
    clearInterval(this.timer);
    this.arrivals.clear();
  }

  private unwrap(sequence: number): number {
    if (this.highest === null) {
      this.highest = sequence;
      return sequence;
    }
    const delta = ((sequence - (this.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    const unwrapped = this.highest + delta;
    if (unwrapped > this.highest) this.highest = unwrapped;
    return unwrapped;
  }
}
