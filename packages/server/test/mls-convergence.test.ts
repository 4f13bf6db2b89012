// The member engine of @conclave/e2ee against the real server's Delivery Service: ten members join
// and leave in a seeded random order over raw WebSockets, and those who stay converge on one MLS
// group (epoch, security code, roster with names, media keys). The test plays the clients; the
// server under test never sees a key.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  createDeviceIdentity,
  createMeetingMember,
  deriveInviteKeys,
  loadMlsCiphersuite,
  type MeetingMember,
  type MlsClientMessage,
} from "@conclave/e2ee";
import { fromBase64url, parseServerMessage, toBase64url } from "@conclave/protocol";
import { WebSocket } from "ws";
import { newRoom, type TestRoom } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { waitFor } from "./wait-for.ts";

/** mulberry32: the run can be replayed from its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Client {
  readonly name: string;
  readonly ws: WebSocket;
  readonly member: MeetingMember;
  readonly errors: string[];
}

/**
 * Connects, joins the room and hands every server message to a member engine. `tamper` may change
 * what the engine sends, as a buggy or malicious client would.
 */
async function join(
  serverUrl: string,
  room: TestRoom,
  name: string,
  tamper: (message: MlsClientMessage) => MlsClientMessage = (m) => m,
): Promise<Client> {
  const identity = await createDeviceIdentity(
    { displayName: name, deviceId: `${name}-bot` },
    await loadMlsCiphersuite(),
  );
  const keys = await deriveInviteKeys(room.secret);
  assert.ok(keys);
  const ws = new WebSocket(`${serverUrl.replace(/^http/, "ws")}/ws`);
  const member = createMeetingMember({
    identity,
    admission: { kind: "invite", keys },
    send: (message) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(tamper(message)));
    },
    // Short windows so a dropped participant is removed within the test's time.
    reconnectWindowMs: 1000,
  });
  const errors: string[] = [];
  member.on("error", (e) => errors.push(`${e.code}: ${e.message}`));
  ws.on("message", (data) => member.receive(parseServerMessage(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  ws.send(JSON.stringify(room.joinMessage()));
  return { name, ws, member, errors };
}

async function divergence(clients: readonly Client[]): Promise<string | undefined> {
  const members = clients.map((c) => c.member);
  for (const c of clients) if (!c.member.joined) return `${c.name} is ${c.member.status}`;
  if (new Set(members.map((m) => m.epoch)).size !== 1) return "epochs differ";
  if (new Set(members.map((m) => m.securityCode)).size !== 1) return "security codes differ";
  const rosterOf = (m: MeetingMember) =>
    m.roster.map((r) => `${r.leaf}:${r.displayName}:${r.fingerprint}`).join("|");
  if (new Set(members.map(rosterOf)).size !== 1) return "rosters differ";
  const names = clients.map((c) => c.name).sort();
  const shown = (members[0]?.roster ?? []).map((r) => r.displayName).sort();
  if (names.join() !== shown.join()) return `roster ${shown.join()} is not ${names.join()}`;
  if (!members.every((m) => m.roster.every((r) => r.self || r.nameConfirmed))) {
    return "names not yet confirmed";
  }
  const metadata = Uint8Array.of(0x78);
  for (const sender of members) {
    const sealed = await sender.mediaKeyRing.encrypt("microphone", metadata, Uint8Array.of(1));
    if (!sealed.ok) return `leaf ${sender.ownLeaf} cannot encrypt`;
    for (const receiver of members) {
      if (receiver === sender) continue;
      const opened = await receiver.mediaKeyRing.decrypt(metadata, sealed.frame);
      if (!opened.ok) return `leaf ${receiver.ownLeaf} cannot open leaf ${sender.ownLeaf}`;
    }
  }
  return undefined;
}

async function converge(clients: readonly Client[], withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  let why: string | undefined = "not checked";
  for (;;) {
    await Promise.all(clients.map((c) => c.member.idle()));
    why = await divergence(clients);
    if (why === undefined) return;
    if (Date.now() > deadline) {
      const detail = clients.map((c) => `${c.name}: ${c.errors.join("; ")}`).join("\n");
      throw new Error(`no convergence within ${withinMs} ms: ${why}\n${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("MLS through the real Delivery Service", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ MAX_PARTICIPANTS: "20" });
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
  });

  it("ten members joining and leaving in a seeded random order converge", async () => {
    const random = seeded(20261123);
    const room = await newRoom();
    const present: Client[] = [];
    const gone: Client[] = [];
    const waiting = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"];
    const started = Date.now();
    while (waiting.length > 0) {
      if (present.length >= 2 && gone.length < 4 && random() < 0.4) {
        const [victim] = present.splice(Math.floor(random() * present.length), 1);
        assert.ok(victim);
        victim.member.close();
        if (random() < 0.5) {
          victim.ws.send(JSON.stringify({ type: "leave" }));
          victim.ws.close();
        } else victim.ws.terminate(); // a dropped connection: removed after the window
        gone.push(victim);
      } else {
        const name = waiting.shift();
        assert.ok(name);
        present.push(await join(server.url, room, name));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 300)));
    }
    await converge(present, 20_000);
    console.log(
      `${present.length} members converged through the server in ${Date.now() - started} ms ` +
        `(${gone.length} left) at epoch ${present[0]?.member.epoch}`,
    );
    for (const c of present) {
      assert.equal(c.member.stats.commitsFailed, 0, c.name);
      c.member.close();
      c.ws.close();
    }
  });
  it("two commits for one epoch resolve to one, and everyone follows it", async () => {
    const room = await newRoom();
    const clients: Client[] = [];
    for (const name of ["a0", "a1", "a2", "a3"]) clients.push(await join(server.url, room, name));
    await converge(clients, 20_000);
    const [x, y] = clients as [Client, Client];
    const refusedSoFar = clients.reduce((n, c) => n + c.member.stats.commitsRefused, 0);
    const refused = () =>
      clients.reduce((n, c) => n + c.member.stats.commitsRefused, 0) - refusedSoFar;
    // Both make their own update in the same instant; the Delivery Service takes the first and
    // refuses the other with the current epoch. Crypto timing could let one see the other's
    // commit before sending its own, so a few rounds are allowed for the race to happen.
    for (let round = 0; round < 5 && refused() === 0; round++) {
      const epoch = x.member.epoch ?? 0n;
      x.member.requestSelfUpdate();
      y.member.requestSelfUpdate();
      await waitFor("both updates to be committed, one after the other", () =>
        clients.every((c) => (c.member.epoch ?? 0n) >= epoch + 2n),
      );
      await converge(clients, 10_000);
    }
    assert.ok(refused() > 0, "a commit for an epoch already taken was refused");
    console.log(`simultaneous commits: ${refused()} refused, all at epoch ${x.member.epoch}`);
    for (const c of clients) assert.equal(c.member.stats.commitsFailed, 0, c.name);
    for (const c of clients) {
      c.member.close();
      c.ws.close();
    }
  });

  it("a garbage commit from a member is rolled back and the meeting goes on", async () => {
    const room = await newRoom();
    const honest: Client[] = [];
    for (const name of ["g0", "g1", "g2"]) honest.push(await join(server.url, room, name));
    // Its commits decode (sender, epoch, proposals) but their signature is broken.
    let corrupt = false;
    const mallory = await join(server.url, room, "mallory", (message) => {
      if (!corrupt || message.type !== "mls-commit") return message;
      const bytes = fromBase64url(message.commit);
      assert.ok(bytes);
      bytes[bytes.length - 40] = (bytes[bytes.length - 40] ?? 0) ^ 0x01;
      return { ...message, commit: toBase64url(bytes) };
    });
    await converge([...honest, mallory], 20_000);
    const epoch = honest[0]?.member.epoch ?? 0n;
    corrupt = true;
    const closed = new Promise((resolve) => mallory.ws.once("close", resolve));
    mallory.member.requestSelfUpdate();
    await closed; // the server disconnects a committer whose commit was rolled back
    mallory.member.close();
    // The others roll back, remove Mallory's leaf after the window, and keep going.
    await converge(honest, 20_000);
    for (const c of honest) {
      assert.equal(c.member.stats.rollbacks, 1, `${c.name} rolled back`);
      assert.equal(c.member.stats.rejoins, 0, `${c.name} kept its state`);
    }
    assert.ok((honest[0]?.member.epoch ?? 0n) > epoch, "later commits went through");
    for (const c of honest) {
      c.member.close();
      c.ws.close();
    }
  });
});
