import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { ParticipantId } from "@conclave/protocol";
import { RtpHeader, RtpPacket } from "werift";
import { closeAll, newRoom, Publisher, Receiver, until } from "./testing/loopback.ts";
import type { ForwardedTrack } from "./types.ts";

after(closeAll);

/** Camera packets of publisher `index`: its index in the last payload byte. */
const marked = (index: number) => (seq: number) =>
  new RtpPacket(
    new RtpHeader({ payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000 }),
    Buffer.from([0x10, 0, 0, 0, index]),
  );

describe("an m-line handed to another camera (the pool)", () => {
  it("carries the new camera only after the offer that says so, and the old one never after it", async () => {
    const room = newRoom();
    const receiver = new Receiver(room);
    // One camera more than the pool's floor of 16: the seventeenth waits for an m-line.
    const publishers = Array.from(
      { length: 17 },
      (_, i) => new Publisher(room, `p${i}`, marked(i)),
    );
    for (const p of publishers) await p.negotiate();
    const cameras = () =>
      (receiver.offeredTracks.at(-1) ?? []).filter((t) => t.source === "camera");
    await until("16 cameras offered", () => cameras().length === 16);
    const waiting = publishers.findIndex(
      (_, i) => !cameras().some((t) => t.publisherId === `p${i}`),
    );
    assert.ok(waiting >= 0);
    const victim = waiting === 0 ? 1 : 0;
    await until("the victim's camera flows", () =>
      receiver.video.some((packet) => packet.payload[4] === victim),
    );

    // Shown: everyone but the victim, whose m-line goes to the camera that waited. The page is
    // slow to answer: until it does, it has not bound the m-line to its new sender.
    receiver.answerDelayMs = 300;
    receiver.peer.setView(
      publishers.flatMap((_, i) =>
        i === victim
          ? []
          : [
              {
                participantId: `p${i}` as ParticipantId,
                source: "camera" as const,
                width: 426,
                height: 240,
              },
            ],
      ),
    );
    await until("the waiting camera flows", () =>
      receiver.video.some((packet) => packet.payload[4] === waiting),
    );
    const isWaiting = (t: ForwardedTrack) =>
      t.publisherId === `p${waiting}` && t.source === "camera";
    const handover = receiver.offeredTracks.findIndex((tracks) => tracks.some(isWaiting));
    const handed = receiver.offeredTracks[handover]?.find(isWaiting);
    const before = receiver.offeredTracks[handover - 1]?.find((t) => t.mid === handed?.mid);
    assert.equal(before?.publisherId, `p${victim}`, "the victim's m-line was reused");
    await new Promise((r) => setTimeout(r, 500));

    receiver.video.forEach((packet, i) => {
      const seen = receiver.videoSeen[i] ?? { offers: 0, answers: 0 };
      if (packet.payload[4] === waiting) {
        assert.ok(seen.answers > handover, "a packet of the new camera came before the answer");
      }
    });
    // On the m-line the old camera's packets all went out before the new one's (one sequence
    // across the change); one sent earlier may still arrive after the offer.
    const first = receiver.video.find((packet) => packet.payload[4] === waiting);
    assert.ok(first);
    for (const packet of receiver.video) {
      if (packet.payload[4] !== victim || packet.header.ssrc !== first.header.ssrc) continue;
      const ahead = (first.header.sequenceNumber - packet.header.sequenceNumber) & 0xffff;
      assert.ok(ahead > 0 && ahead < 0x8000, "the old camera was sent after the new one began");
    }
  });
});
