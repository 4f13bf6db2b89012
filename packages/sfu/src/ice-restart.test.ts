/**
 * A participant who comes back on a new signalling connection keeps its media connections and
 * restarts ICE on them (docs/protocol.md "Reconnecting"): the SFU answers a publish offer with new
 * ICE credentials on the same connection, offers new credentials on the receiving one, and media
 * flows on through both, on the same producer. werift-to-werift on loopback, with RTP written by
 * hand: what is tested is the SFU's side of the restart.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { MediaStreamTrack } from "werift";
import {
  closeAll,
  IGNORED_SIGNALS,
  morePackets,
  newRoom,
  Publisher,
  Receiver,
} from "./testing/loopback.ts";
import { NegotiationError } from "./types.ts";

const ufrag = (sdp: string) => /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];

describe("ICE restart on kept connections", () => {
  after(closeAll);

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
    assert.ok(publisher.peer.reconnect(IGNORED_SIGNALS));
    await publisher.negotiate(true);
    await morePackets(receiver, 10);
  });
});
