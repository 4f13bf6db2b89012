/**
 * A participant who comes back on a new signalling connection keeps its media connections and
 * restarts ICE on them (docs/protocol.md "Reconnecting"): the SFU answers a publish offer with new
 * ICE credentials on the same connection, offers new credentials on the receiving one, and media
 * flows on through both, on the same producer. werift-to-werift on loopback, with RTP written by
 * hand: what is tested is the SFU's side of the restart.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket } from "werift";
import { restartableIce } from "./ice-restart.ts";
import { peerConfig, publishConfig } from "./media-config.ts";
import type { Peer } from "./peer.ts";
import { Room } from "./room.ts";
import type { OfferListener } from "./subscribe-transport.ts";
import { NegotiationError } from "./types.ts";

const config = peerConfig({ announcedAddresses: ["127.0.0.1"], keyframeIntervalMs: 1000 });
const ufrag = (sdp: string) => /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
const closing: Array<() => unknown> = [];

function newRoom(): Room {
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

/** A receiving client: answers each offer on one connection and counts the RTP it gets. */
class Receiver {
  readonly pc = restartableIce(new RTCPeerConnection(config));
  packets = 0;
  offers: string[] = [];
  peer: Peer;

  constructor(room: Room) {
    closing.push(() => this.pc.close());
    this.pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => this.packets++));
    this.peer = room.addPeer("receiver", this.listener());
  }

  listener(): OfferListener {
    return (sdp) => {
      this.offers.push(sdp);
      void (async () => {
        await this.pc.setRemoteDescription({ type: "offer", sdp });
        await this.pc.setLocalDescription(await this.pc.createAnswer());
        await this.peer.applySubscribeAnswer(this.pc.localDescription?.sdp ?? "");
      })();
    };
  }
}

/** A publishing client: microphone and camera m-lines; writes a small VP8 packet every 20 ms. */
class Publisher {
  readonly pc = restartableIce(new RTCPeerConnection(config));
  private readonly camera = new MediaStreamTrack({ kind: "video" });
  private readonly timer: ReturnType<typeof setInterval>;
  readonly peer: Peer;

  constructor(room: Room, id = "publisher") {
    this.pc.addTransceiver(new MediaStreamTrack({ kind: "audio" }), { direction: "sendonly" });
    this.pc.addTransceiver(this.camera, { direction: "sendonly" });
    this.peer = room.addPeer(id, () => {});
    let seq = 0;
    this.timer = setInterval(() => {
      seq++;
      const header = new RtpHeader({ payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000 });
      this.camera.writeRtp(new RtpPacket(header, Buffer.from([0x10, 0, 0, 0])));
    }, 20);
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

/** Resolves once `receiver` got `count` more packets; fails after 5 s. */
async function morePackets(receiver: Receiver, count: number): Promise<void> {
  const start = receiver.packets;
  const deadline = Date.now() + 5000;
  while (receiver.packets - start < count) {
    assert.ok(Date.now() < deadline, `fewer than ${count} packets in 5 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("ICE restart on kept connections", () => {
  after(async () => {
    for (const close of closing.splice(0)) await close();
  });

  it("a publisher's and a receiver's restarts keep media flowing on the same producer", async () => {
    const room = newRoom();
    const receiver = new Receiver(room);
    const publisher = new Publisher(room);
    const first = await publisher.negotiate();
    await morePackets(receiver, 20);
    const producer = publisher.peer.producers.get("camera");

    const restart = await publisher.negotiate(true);
    assert.notEqual(ufrag(restart.offer), ufrag(first.offer), "the publisher restarted ICE");
    assert.notEqual(ufrag(restart.answer), ufrag(first.answer), "the SFU answered new credentials");
    await morePackets(receiver, 20);
    assert.equal(publisher.peer.producers.get("camera"), producer, "the same producer goes on");

    const offers = receiver.offers.length;
    receiver.peer.hold();
    assert.ok(receiver.peer.reconnect(receiver.listener()), "a live connection can restart");
    await morePackets(receiver, 20);
    assert.equal(receiver.offers.length, offers + 1, "one offer, at once");
    assert.notEqual(ufrag(receiver.offers.at(-1) ?? ""), ufrag(receiver.offers[0] ?? ""));
  });

  it("a second publish offer with other m-lines is refused and changes nothing", async () => {
    const room = newRoom();
    const receiver = new Receiver(room);
    const publisher = new Publisher(room);
    await publisher.negotiate();
    await morePackets(receiver, 5);
    publisher.pc.addTransceiver(new MediaStreamTrack({ kind: "audio" }), { direction: "sendonly" });
    await publisher.pc.setLocalDescription(await publisher.pc.createOffer());
    await assert.rejects(
      publisher.peer.answerPublish(publisher.pc.localDescription?.sdp ?? ""),
      NegotiationError,
    );
    await morePackets(receiver, 5);
  });

  it("offers made while the receiver is away wait for it, and come as one", async () => {
    const room = newRoom();
    const receiver = new Receiver(room);
    await new Publisher(room).negotiate();
    await morePackets(receiver, 5);
    const offers = receiver.offers.length;
    receiver.peer.hold();
    await new Publisher(room, "second").negotiate();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(receiver.offers.length, offers, "no offer while away");
    receiver.peer.reconnect(receiver.listener());
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(receiver.offers.length, offers + 1, "one offer on return");
    assert.equal(
      (receiver.offers.at(-1)?.match(/^m=video/gm) ?? []).length,
      2,
      "with both cameras",
    );
  });

  it("nothing is forwarded to or from a peer whose participant is away, until it is back", async () => {
    const room = newRoom();
    const receiver = new Receiver(room);
    const publisher = new Publisher(room);
    await publisher.negotiate();
    await morePackets(receiver, 10);
    const quiet = async (what: string) => {
      await new Promise((r) => setTimeout(r, 200)); // what was in flight lands
      const before = receiver.packets;
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(receiver.packets, before, what);
    };

    receiver.peer.hold();
    await quiet("nothing goes to a receiver that is away");
    receiver.peer.reconnect(receiver.listener());
    await morePackets(receiver, 10);

    publisher.peer.hold();
    await quiet("nothing goes on from a publisher that is away");
    assert.ok(publisher.peer.reconnect(() => {}));
    await publisher.negotiate(true);
    await morePackets(receiver, 10);
  });
});
