/**
 * DESIGN.md §3.6: a member leaves the group by its own word or after the reconnection window,
 * never because the server says so. Real bots (the member engine a browser's worker runs) against
 * the real server saying a connected host left, and telling a member it was removed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Bot } from "@conclave/bot";
import { waitFor } from "../wait-for.ts";
import { attackCount, hostileRoom, startHostileServer } from "./hostile-server.ts";

const rosterOf = (bot: Bot) => bot.crypto.member.roster;
const holds = (bot: Bot, name: string) => rosterOf(bot).some((m) => m.displayName === name);

describe("false-leave: the server says the connected host left", () => {
  const start = hostileRoom(() => startHostileServer(["false-leave"]), {
    publish: false,
    admitted: true,
  });
  it("nobody removes her or takes her role within the reconnection window", async () => {
    const { server, join } = await start();
    const ada = await join("Ada");
    const ben = await join("Ben");
    const cyd = await join("Cyd");
    await waitFor("the false leave", () => attackCount(server, "false-leave") > 0);
    const adaKey = rosterOf(ada).find((m) => m.self)?.fingerprint;
    // Today's reconnection window is 30 s; an honest leaver is removed within about a second.
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      for (const bot of [ada, ben, cyd]) {
        const adaThere = rosterOf(bot).find((m) => m.fingerprint === adaKey);
        assert.ok(adaThere, `${bot.stats().name} no longer has Ada`);
        assert.equal(adaThere.role, "host", `${bot.stats().name}: Ada is no longer host`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(ada.stats().e2ee?.member.rejoins ?? 0, 0, "Ada was pushed out");
  });
});

describe("fake-removed: the server says REMOVED with no commit, and closes the connection", () => {
  const start = hostileRoom(() => startHostileServer(["fake-removed"]), {
    publish: false,
    admitted: true,
  });
  it("the member takes it as a disconnection by the server: it reconnects and is still in the group", async () => {
    const { server, join } = await start();
    const ada = await join("Ada");
    const ben = await join("Ben", { reconnect: true });
    // The cut comes with the first message to Ben 3 s after his Welcome: Ada's chat, say.
    await waitFor("the fake REMOVED", async () => {
      await ada.crypto.member.sendChat("still there?");
      return attackCount(server, "fake-removed") > 0;
    });
    await waitFor(
      "Ben to hear REMOVED",
      () => (ben.stats().signalling.serverErrors.REMOVED ?? 0) > 0,
    );
    // Still one group: a commit after the cut reaches both, and both keep each other.
    const epoch = BigInt(ada.stats().e2ee?.epoch ?? "0");
    ada.crypto.member.requestSelfUpdate();
    await waitFor("Ben, reconnected, to follow Ada's next commit", () => {
      const e = ben.stats().e2ee?.epoch;
      return e !== undefined && e !== null && BigInt(e) > epoch && e === ada.stats().e2ee?.epoch;
    });
    assert.equal(ben.stats().state, "joined", "Ben is connected");
    assert.equal(ben.crypto.member.status, "member");
    assert.ok(holds(ada, "Ben") && holds(ben, "Ada"));
    assert.equal(ben.stats().e2ee?.member.rejoins ?? 0, 0, "Ben kept his leaf");
  });
});
