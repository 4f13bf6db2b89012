// werift clients talking to a Room on loopback, with RTP written by hand: for tests of what the
// SFU does between a publisher and a receiver. For tests only.
import assert from "node:assert/strict";
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket } from "werift";
import { restartableIce } from "../ice-restart.ts";
import { peerConfig, publishConfig } from "../media-config.ts";
import type { Peer } from "../peer.ts";
import { ReceiveFeedback } from "../receiver-seams.ts";
import { Room } from "../room.ts";
import type { ForwardedTrack, ReceiverSignals } from "../types.ts";

const config = peerConfig({ announcedAddresses: ["127.0.0.1"], keyframeIntervalMs: 1000 });
const closing: Array<() => unknown> = [];

/** For a peer whose offers and notices no test reads. */
export const IGNORED_SIGNALS: ReceiverSignals = {
  offer() {},
  videosPaused() {},
  cameraLayers() {},
};

/** Closes every room and client made here; for `after`. */
export async function closeAll(): Promise<void> {
  for (const close of closing.splice(0)) await close();
}

export function newRoom(): Room {
  const room = new Room("r", {
    config,
    publishConfig: publishConfig({ announcedAddresses: ["127.0.0.1"], keyframeIntervalMs: 1000 }),
    keyframeIntervalMs: 1000,
    interceptPacket: undefined,
    retire() {},
  });
  closing.push(() => room.close());
  return room;
}

/**
 * A receiving client: answers each offer on one connection and keeps the RTP it gets. It answers
 * with transport-wide feedback as a browser does (werift's own is wrong: transport-feedback.ts),
 * with arrival times from `arrivalUs`, which a test may use to simulate the link.
 */
export class Receiver {
  readonly pc = restartableIce(new RTCPeerConnection(config));
  private readonly feedback: ReceiveFeedback;
  packets = 0;
  /** Video packets received, as they arrived. */
  readonly video: RtpPacket[] = [];
  /** How many offers had arrived, and answers gone back, when each video packet arrived. */
  readonly videoSeen: { offers: number; answers: number }[] = [];
  offers: string[] = [];
  answers = 0;
  /** A slow page: each answer goes back this long after its offer came. */
  answerDelayMs = 0;
  /** The tracks each offer listed. */
  readonly offeredTracks: ForwardedTrack[][] = [];
  peer: Peer;

  constructor(room: Room, arrivalUs?: () => number) {
    this.feedback = new ReceiveFeedback(() => undefined, arrivalUs);
    closing.push(
      () => this.feedback.close(),
      () => this.pc.close(),
    );
    this.pc.onTrack.subscribe((track) =>
      track.onReceiveRtp.subscribe((rtp) => {
        this.packets++;
        if (track.kind !== "video") return;
        this.video.push(rtp);
        this.videoSeen.push({ offers: this.offers.length, answers: this.answers });
      }),
    );
    this.peer = room.addPeer("receiver", this.listener());
  }

  listener(): ReceiverSignals {
    return {
      offer: (sdp, tracks) => {
        this.offers.push(sdp);
        this.offeredTracks.push(tracks);
        void (async () => {
          await this.pc.setRemoteDescription({ type: "offer", sdp });
          for (const t of this.pc.getTransceivers()) this.feedback.adopt(t.receiver);
          await this.pc.setLocalDescription(await this.pc.createAnswer());
          await new Promise((r) => setTimeout(r, this.answerDelayMs));
          this.answers++;
          await this.peer.applySubscribeAnswer(this.pc.localDescription?.sdp ?? "");
        })();
      },
      videosPaused() {},
      cameraLayers() {},
    };
  }
}

/** The `seq`th packet a publisher writes: by default a small VP8 packet, one frame each. */
export type PacketMaker = (seq: number) => RtpPacket;

const smallVp8: PacketMaker = (seq) =>
  new RtpPacket(
    new RtpHeader({ payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000 }),
    Buffer.from([0x10, 0, 0, 0]),
  );

/** A publishing client: microphone and camera m-lines; writes a camera packet every 20 ms. */
export class Publisher {
  readonly pc = restartableIce(new RTCPeerConnection(config));
  private readonly camera = new MediaStreamTrack({ kind: "video" });
  private readonly timer: ReturnType<typeof setInterval>;
  readonly peer: Peer;

  constructor(room: Room, id = "publisher", packetAt: PacketMaker = smallVp8) {
    this.pc.addTransceiver(new MediaStreamTrack({ kind: "audio" }), { direction: "sendonly" });
    this.pc.addTransceiver(this.camera, { direction: "sendonly" });
    this.peer = room.addPeer(id, IGNORED_SIGNALS);
    let seq = 0;
    this.timer = setInterval(() => this.camera.writeRtp(packetAt(++seq)), 20);
    closing.push(
      () => clearInterval(this.timer),
      () => this.pc.close(),
    );
  }

  /** Offers (restarting ICE if asked) and applies the SFU's answer; returns both SDPs. */
  async negotiate(iceRestart = false): Promise<{ offer: string; answer: string }> {
    await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart }));
    const offer = this.pc.localDescription?.sdp ?? "";
    const answer = await this.peer.answerPublish(offer);
    await this.pc.setRemoteDescription({ type: "answer", sdp: answer });
    return { offer, answer };
  }
}

/** Resolves once `done()` holds; fails after `ms`, naming `what`. */
export async function until(what: string, done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    assert.ok(Date.now() < deadline, `not within ${ms / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves once `receiver` got `count` more packets; fails after 5 s. */
export async function morePackets(receiver: Receiver, count: number): Promise<void> {
  const start = receiver.packets;
  const deadline = Date.now() + 5000;
  while (receiver.packets - start < count) {
    assert.ok(Date.now() < deadline, `fewer than ${count} packets in 5 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
