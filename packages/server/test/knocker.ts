import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { Bot } from "@conclave/bot";
import {
  createDeviceIdentity,
  createMeetingMember,
  loadMlsCiphersuite,
  type MeetingMember,
} from "@conclave/e2ee";
import { type ParticipantId, PROTOCOL_VERSION, parseServerMessage } from "@conclave/protocol";
import { SignallingClient, type TestRoom } from "./signalling-client.ts";
import { waitFor } from "./wait-for.ts";

/**
 * Someone with a knock link, as the web app is one (packages/web/src/call/meeting-connection.ts
 * with the worker's engine): a raw signalling connection and the real MLS member engine with a
 * knock's admission (no secret, no proof). It knocks and uploads its KeyPackage; when its
 * connection drops, `reconnect` knocks again presenting the knock's resume token from its last
 * `lobby`, as the page does; admitted, it joins the group from the host's Welcome.
 */
export class Knocker {
  /** Our knock's id, from the last `lobby`. */
  selfId: ParticipantId | null = null;
  /** The knock's resume token from the last `lobby`, or the place's from `admitted`. */
  token: string | null = null;
  client: SignallingClient | null = null;

  private constructor(
    readonly name: string,
    readonly member: MeetingMember,
    private readonly room: TestRoom,
  ) {}

  /** Knocks at `url` on `room`'s door; resolves with its first `lobby`. */
  static async knock(url: string, room: TestRoom, name: string): Promise<Knocker> {
    let knocker: Knocker | null = null;
    const identity = await createDeviceIdentity(
      { displayName: name, deviceId: `knocker-${randomBytes(6).toString("hex")}` },
      await loadMlsCiphersuite(),
    );
    const member = createMeetingMember({
      identity,
      send: (message) => knocker?.client?.send(message),
      admission: { kind: "knock", pinnedHost: undefined },
    });
    knocker = new Knocker(name, member, room);
    await knocker.connect(url);
    return knocker;
  }

  /**
   * Knocks again after a drop (at `url`): with the token of our knock, to wait on in our place.
   * Resolves with the first `lobby`, `welcome` (a host admitted us meanwhile) or `error` it is
   * answered.
   */
  async reconnect(url: string) {
    this.member.connectionLost();
    return this.connect(url);
  }

  /** Cancel, as the page's button does: `leave`, then the connection closes. */
  leave(): void {
    this.client?.send({ type: "leave" });
  }

  /** Whether the server closed our connection (the node died, or it let us go). */
  get dropped(): boolean {
    return this.client?.ws.readyState === this.client?.ws.CLOSED;
  }

  close(): void {
    this.client?.close();
    this.member.close();
  }

  private async connect(url: string) {
    const client = await SignallingClient.connect(url);
    this.client = client;
    client.ws.on("message", (data) => {
      const message = parseServerMessage(data.toString());
      if (message.type === "lobby") {
        this.selfId = message.selfId;
        this.token = message.resumeToken;
      }
      if (message.type === "admitted" || message.type === "welcome") {
        this.token = message.resumeToken;
      }
      this.member.receive(message);
    });
    const resume =
      this.selfId && this.token
        ? { resume: { participantId: this.selfId, token: this.token, received: 0 } }
        : {};
    client.send({
      type: "join",
      protocol: PROTOCOL_VERSION,
      roomId: this.room.roomId,
      knock: { name: this.name },
      ...resume,
    });
    const answer = () =>
      client.received.find((m) => ["lobby", "welcome", "error"].includes(m.type));
    await waitFor(`${this.name}'s knock answered`, () => answer() !== undefined, 15_000);
    return answer();
  }
}

/**
 * A knocker back after its connection dropped uploads a fresh KeyPackage: `host` waits to be shown
 * it (not `before`, the one from before the drop), admits it, and the knocker is in the group.
 */
export async function admitNewUpload(
  host: Bot,
  knocker: Knocker,
  id: ParticipantId,
  before: string | undefined,
): Promise<void> {
  await waitFor(`the host shown ${knocker.name}'s new upload`, () => {
    const card = host.crypto.cards.get(id);
    return card !== undefined && card.keyPackageRef !== before;
  });
  const card = host.crypto.cards.get(id);
  assert.ok(card);
  assert.equal(await host.crypto.member.admit(id, card.keyPackageRef), true);
  await waitFor(`${knocker.name} in the group`, () =>
    [host.crypto.member, knocker.member].every((m) => m.roster.length === 2),
  );
  assert.deepEqual(host.knocks, [], "admitted: no knock left");
}
