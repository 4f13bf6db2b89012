import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";

describe("meeting size", () => {
  let server: ServerProcess;
  before(async () => {
    // The default MAX_PARTICIPANTS; the overload gate off, since a hundred joins arrive at once on
    // a shared machine and SERVER_BUSY is not what this tests.
    server = await startServer({ MAX_EVENT_LOOP_DELAY_MS: "0" });
  });
  after(async () => {
    assert.equal(await server.stop(), 0, "SIGTERM drains and exits cleanly");
  });

  it("takes 100 people into one meeting by default and refuses the 101st with ROOM_FULL", async () => {
    const room = await newRoom();
    const people: SignallingClient[] = [];
    try {
      for (let i = 0; i < 100; i++) {
        const client = await SignallingClient.connect(server.url);
        people.push(client);
        client.send(room.joinMessage());
        const welcome = await client.next("welcome");
        assert.equal(welcome.participants.length, i, `person ${i + 1} sees everyone before`);
      }
      const extra = await SignallingClient.connect(server.url);
      people.push(extra);
      extra.send(room.joinMessage());
      assert.equal((await extra.next("error")).code, "ROOM_FULL");
    } finally {
      for (const client of people) client.close();
    }
  });
});
