import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { ParticipantId } from "@conclave/protocol";
import { MediaStreamTrack, RTCPeerConnection } from "werift";
import { peerConfig, publishConfig } from "./media-config.ts";
import type { Peer } from "./peer.ts";
import { Room } from "./room.ts";
import { IGNORED_SIGNALS } from "./testing/loopback.ts";
import { type ForwardedTrack, NegotiationError } from "./types.ts";

const config = peerConfig({ announcedAddresses: ["127.0.0.1"], keyframeIntervalMs: 1000 });
const open: RTCPeerConnection[] = [];
const rooms: Room[] = [];

function newRoom(): Room {
  const settings = {
    config,
    publishConfig: publishConfig({ announcedAddresses: ["127.0.0.1"], keyframeIntervalMs: 1000 }),
    keyframeIntervalMs: 1000,
    interceptPacket: undefined,
    retire() {},
  };
  const room = new Room("room", settings);
  rooms.push(room);
  return room;
}

/** A publish offer from a werift client: microphone and camera, then the screen pair if asked. */
async function publishOffer(kinds: readonly ("audio" | "video")[]): Promise<string> {
  const pc = new RTCPeerConnection(config);
  open.push(pc);
  for (const kind of kinds) {
    pc.addTransceiver(new MediaStreamTrack({ kind }), { direction: "sendonly" });
  }
  await pc.setLocalDescription(await pc.createOffer());
  const sdp = pc.localDescription?.sdp;
  assert.ok(sdp);
  return sdp;
}

/** A receiver: answers every subscribe offer and remembers the tracks of the last one. */
class Receiver {
  readonly pc = new RTCPeerConnection(config);
  offers = 0;
  tracks: ForwardedTrack[] = [];
  readonly peer: Peer;
  private waiters: Array<() => void> = [];

  constructor(room: Room, id: string) {
    open.push(this.pc);
    const peer = room.addPeer(id, {
      offer: (sdp, tracks) => {
        void (async () => {
          await this.pc.setRemoteDescription({ type: "offer", sdp });
          await this.pc.setLocalDescription(await this.pc.createAnswer());
          this.tracks = tracks;
          this.offers++;
          await peer.subscribeTransport.applyAnswer(this.pc.localDescription?.sdp ?? "");
          for (const wake of this.waiters.splice(0)) wake();
        })();
      },
      videosPaused() {},
      cameraLayers() {},
    });
    this.peer = peer;
  }

  /** Its m-lines of `kind` now, and whose `source` each of those the last offer lists carries. */
  carried(kind: "audio" | "video", source: string): { mlines: number; publishers: string[] } {
    return {
      mlines: this.pc.getTransceivers().filter((t) => t.kind === kind).length,
      publishers: this.tracks
        .filter((t) => t.source === source)
        .map((t) => t.publisherId)
        .sort(),
    };
  }

  /** Offers answered once no more come for 300 ms (adding two tracks may take two offers). */
  async settled(): Promise<number> {
    const deadline = Date.now() + 5000;
    let seen = -1;
    while (seen !== this.offers) {
      assert.ok(Date.now() < deadline, "offers kept coming for 5 s");
      seen = this.offers;
      await new Promise((r) => setTimeout(r, 300));
    }
    return seen;
  }

  /** Fails as soon as an offer comes within `ms` (something that must not renegotiate). */
  async noOfferFor(ms: number): Promise<void> {
    const offers = this.offers;
    const end = Date.now() + ms;
    while (Date.now() < end) {
      assert.equal(this.offers, offers, "an offer came");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Waits until the last answered offer lists exactly `sources` of `publisher` (sorted). */
  async until(publisher: string, sources: readonly string[]): Promise<void> {
    const deadline = Date.now() + 5000;
    const listed = () =>
      this.tracks
        .filter((t) => t.publisherId === publisher)
        .map((t) => t.source)
        .sort();
    while (JSON.stringify(listed()) !== JSON.stringify([...sources].sort())) {
      assert.ok(Date.now() < deadline, `offer lists ${listed().join(",")}, wanted ${sources}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

after(async () => {
  for (const room of rooms) room.close();
  await Promise.all(open.map((pc) => pc.close()));
});

describe("room: screen share", () => {
  it("makes a producer per m-line of a four-m-line offer but forwards the screen only while shared", async () => {
    const room = newRoom();
    const bob = new Receiver(room, "bob");
    const alice = room.addPeer("alice", IGNORED_SIGNALS);
    await alice.publishTransport.answer(await publishOffer(["audio", "video", "video", "audio"]));
    assert.deepEqual([...alice.producers.keys()].sort(), [
      "camera",
      "microphone",
      "screen",
      "screenAudio",
    ]);
    await bob.until("alice", ["camera", "microphone"]);

    room.shareScreen("alice", { video: true, audio: true });
    await bob.until("alice", ["camera", "microphone", "screen", "screenAudio"]);
    const screen = bob.tracks.find((t) => t.source === "screen");
    assert.equal(screen?.kind, "video");
    assert.equal(bob.tracks.find((t) => t.source === "screenAudio")?.kind, "audio");

    // A late joiner gets the share that is on; audio can stop while the video goes on.
    const carol = new Receiver(room, "carol");
    await carol.until("alice", ["camera", "microphone", "screen", "screenAudio"]);
    room.shareScreen("alice", { video: true, audio: false });
    await bob.until("alice", ["camera", "microphone", "screen"]);

    room.shareScreen("alice", { video: false, audio: false });
    await bob.until("alice", ["camera", "microphone"]);
    await carol.until("alice", ["camera", "microphone"]);
    assert.equal(alice.producers.size, 4, "the producers stay for the next share");

    // Sharing again reuses the freed m-lines: the receiver's SDP does not grow.
    const mlines = bob.pc.getTransceivers().length;
    room.shareScreen("alice", { video: true, audio: true });
    await bob.until("alice", ["camera", "microphone", "screen", "screenAudio"]);
    assert.equal(bob.pc.getTransceivers().length, mlines);
  });

  it("screen audio is never forwarded without screen video", async () => {
    const room = newRoom();
    const bob = new Receiver(room, "bob");
    const alice = room.addPeer("alice", IGNORED_SIGNALS);
    await alice.publishTransport.answer(await publishOffer(["audio", "video", "video", "audio"]));
    await bob.until("alice", ["camera", "microphone"]);
    const offers = await bob.settled();
    room.shareScreen("alice", { video: false, audio: true });
    await bob.noOfferFor(300);
    assert.equal(bob.offers, offers, "nothing changed, so no offer");
    assert.deepEqual(bob.tracks.map((t) => t.source).sort(), ["camera", "microphone"]);
  });

  it("refuses to share for a publisher whose offer has no screen m-lines, and changes nothing", async () => {
    const room = newRoom();
    const bob = new Receiver(room, "bob");
    const alice = room.addPeer("alice", IGNORED_SIGNALS);
    assert.throws(() => room.shareScreen("alice", { video: true, audio: false }), NegotiationError);
    await alice.publishTransport.answer(await publishOffer(["audio", "video"]));
    await bob.until("alice", ["camera", "microphone"]);
    const offers = await bob.settled();
    assert.throws(() => room.shareScreen("alice", { video: true, audio: false }), NegotiationError);
    await bob.noOfferFor(300);
    assert.equal(bob.offers, offers);
    assert.deepEqual([...alice.producers.keys()].sort(), ["camera", "microphone"]);
  });

  it("refuses publish offers with other m-line layouts", async () => {
    const room = newRoom();
    const alice = room.addPeer("alice", IGNORED_SIGNALS);
    for (const kinds of [
      ["audio"],
      ["video", "audio"],
      ["audio", "video", "video"],
      ["audio", "video", "audio", "video"],
      ["audio", "video", "video", "audio", "video"],
    ] as const) {
      await assert.rejects(
        alice.publishTransport.answer(await publishOffer(kinds)),
        NegotiationError,
        kinds.join(","),
      );
    }
    assert.equal(alice.producers.size, 0);
    await alice.publishTransport.answer(await publishOffer(["audio", "video", "video", "audio"]));
    assert.equal(alice.producers.size, 4);
  });
});

describe("room: microphone and camera", () => {
  it("forwards a peer's microphone and camera only once it announces them on, and keeps them through a mute", async () => {
    const room = newRoom();
    const bob = new Receiver(room, "bob");
    const alice = room.addPeer("alice", IGNORED_SIGNALS, { awaitMedia: true });
    await alice.publishTransport.answer(await publishOffer(["audio", "video"]));
    assert.deepEqual([...alice.producers.keys()].sort(), ["camera", "microphone"]);
    // A receive-only participant: its producers exist but reach nobody, so no offer at all.
    room.announceMedia("alice", false, false);
    await bob.noOfferFor(300);
    assert.equal(bob.offers, 0);

    room.announceMedia("alice", true, false);
    await bob.until("alice", ["microphone"]);
    room.announceMedia("alice", true, true);
    await bob.until("alice", ["camera", "microphone"]);
    // A late joiner gets what was announced; a mute renegotiates nothing.
    const carol = new Receiver(room, "carol");
    await carol.until("alice", ["camera", "microphone"]);
    const offers = await bob.settled();
    room.announceMedia("alice", false, false);
    await bob.noOfferFor(300);
    assert.equal(bob.offers, offers);
  });
});

/** `count` publishers of a microphone and a camera, both announced on; ids p00, p01, … */
async function publishers(room: Room, count: number, from = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < from + count; i++) {
    const id = `p${String(i).padStart(2, "0")}`;
    const peer = room.addPeer(id, IGNORED_SIGNALS, { awaitMedia: true });
    await peer.publishTransport.answer(await publishOffer(["audio", "video"]));
    room.announceMedia(id, true, true);
    ids.push(id);
  }
  return ids;
}

/** A view of `ids`' cameras at a grid cell's size. */
function cameras(ids: readonly string[]) {
  return ids.map((id) => ({
    participantId: id as ParticipantId,
    source: "camera" as const,
    width: 426,
    height: 240,
  }));
}

describe("room: the pool of receiving m-lines", () => {
  it("past 16 cameras, gives a camera an m-line only while it is shown, reusing one off screen", async () => {
    const room = newRoom();
    const bob = new Receiver(room, "bob");
    const ids = await publishers(room, 20);
    await bob.settled();
    // Before any view: every camera is shown, up to the floor; the rest wait.
    assert.equal(bob.carried("video", "camera").mlines, 16);
    assert.deepEqual(bob.carried("video", "camera").publishers, ids.slice(0, 16));
    assert.equal(bob.carried("audio", "microphone").publishers.length, 20);

    // Page 2 of a grid of 9: four of the eight were waiting; the pool does not grow.
    const page2 = ids.slice(12, 20);
    bob.peer.setView(cameras(page2));
    await bob.settled();
    const after = bob.carried("video", "camera");
    assert.equal(after.mlines, 16);
    for (const id of page2) assert.ok(after.publishers.includes(id), `${id} has an m-line`);

    // A large grid showing all twenty: the pool grows to what is shown, no more.
    bob.peer.setView(cameras(ids));
    await bob.settled();
    assert.deepEqual(bob.carried("video", "camera"), { mlines: 20, publishers: ids });
    assert.ok(bob.pc.localDescription && bob.pc.localDescription.sdp.length < 60 * 1024);
  });

  it("past 24 microphones, gives a microphone back its m-line when it is on again, taking a muted one's", async () => {
    const room = newRoom();
    const bob = new Receiver(room, "bob");
    const ids = await publishers(room, 24);
    bob.peer.setView([]);
    await bob.settled();
    assert.deepEqual(bob.carried("audio", "microphone"), { mlines: 24, publishers: ids });

    // Five mute; five more people switch their microphone on: they take the muted ones' m-lines.
    const muted = ids.slice(0, 5);
    for (const id of muted) room.announceMedia(id, false, true);
    const late = await publishers(room, 5, 24);
    await bob.settled();
    const heard = bob.carried("audio", "microphone");
    assert.equal(heard.mlines, 24);
    assert.deepEqual(heard.publishers, [...ids.slice(5), ...late].sort());

    // One of the muted speaks again: a muted one's m-line is free for it, none of the others'.
    room.announceMedia(late[0] ?? "", false, true);
    room.announceMedia(muted[0] ?? "", true, true);
    await bob.settled();
    const back = bob.carried("audio", "microphone");
    assert.equal(back.mlines, 24);
    assert.ok(back.publishers.includes(muted[0] ?? ""), "the one who unmuted is heard");
    assert.ok(!back.publishers.includes(late[0] ?? ""), "the one who muted gave way");
  });
});
