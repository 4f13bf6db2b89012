import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { MediaStreamTrack, RTCPeerConnection } from "werift";
import { peerConfig } from "./media-config.ts";
import { Sfu } from "./sfu.ts";
import { IGNORED_SIGNALS } from "./testing/loopback.ts";

const options = { announcedAddresses: ["127.0.0.1"], keyframeIntervalMs: 1000 };
const open: RTCPeerConnection[] = [];
after(async () => {
  await Promise.all(open.map((pc) => pc.close()));
});

async function publishOffer(): Promise<string> {
  const pc = new RTCPeerConnection(peerConfig(options));
  open.push(pc);
  for (const kind of ["audio", "video"] as const) {
    pc.addTransceiver(new MediaStreamTrack({ kind }), { direction: "sendonly" });
  }
  await pc.setLocalDescription(await pc.createOffer());
  const sdp = pc.localDescription?.sdp;
  assert.ok(sdp);
  return sdp;
}

describe("sfu: rooms close what they hold", () => {
  it("closing a room closes its peers and their producers, and frees the room id", async () => {
    const sfu = new Sfu(options);
    const room = sfu.openRoom("r1");
    const alice = room.addPeer("alice", IGNORED_SIGNALS);
    room.addPeer("bob", IGNORED_SIGNALS);
    await alice.publishTransport.answer(await publishOffer());
    assert.deepEqual(
      { rooms: sfu.stats().rooms, peers: sfu.stats().peers, producers: sfu.stats().producers },
      { rooms: 1, peers: 2, producers: 2 },
    );
    assert.throws(() => sfu.openRoom("r1"), /already open/);

    room.close();
    const stats = sfu.stats();
    assert.deepEqual(
      { rooms: stats.rooms, peers: stats.peers, producers: stats.producers },
      { rooms: 0, peers: 0, producers: 0 },
    );
    assert.equal(alice.producers.size, 0, "the peer closed its producers");
    assert.throws(() => room.addPeer("carol", IGNORED_SIGNALS), /closed/);
    room.close();
    sfu.openRoom("r1").close();
  });

  it("closing the SFU closes every room still open", () => {
    const sfu = new Sfu(options);
    for (const id of ["a", "b", "c"]) sfu.openRoom(id).addPeer("p", IGNORED_SIGNALS);
    assert.equal(sfu.stats().peers, 3);
    sfu.close();
    assert.equal(sfu.stats().rooms, 0);
    assert.equal(sfu.stats().peers, 0);
  });
});
