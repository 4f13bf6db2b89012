/**
 * RFC 9420 §14, DESIGN.md §1: the server orders commits but cannot make members apply one twice,
 * out of order, or after they moved past it. Against the real server replaying and reordering
 * commits, real bots (the member engine a browser's worker runs) end in one group: the same epoch
 * and the same exporter output, and a host's unlock is not undone by replaying the lock.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Bot } from "@conclave/bot";
import { waitFor } from "../wait-for.ts";
import { attackCount, hostileRoom, settled, startHostileServer } from "./hostile-server.ts";

const member = (bot: Bot) => bot.stats().e2ee?.member ?? {};
const exported = async (bot: Bot) =>
  Buffer.from(
    (await bot.crypto.member.exportSecret("conclave/test", new Uint8Array(), 32)) ?? [],
  ).toString("hex");

/** One group: the same epoch and MLS-Exporter output (RFC 9420 §8.5) at every bot. */
async function assertOneGroup(bots: readonly Bot[]): Promise<void> {
  await settled(bots);
  const epochs = new Set(bots.map((b) => b.stats().e2ee?.epoch));
  assert.equal(epochs.size, 1, `epochs differ: ${[...epochs].join(", ")}`);
  const secrets = new Set(await Promise.all(bots.map(exported)));
  assert.equal(secrets.size, 1, "the exporter output differs: the group split");
  assert.notEqual([...secrets][0], "", "not a member");
}

describe("a hostile server's commit attacks", () => {
  describe("replay-commit: members get commits they already applied, and older ones", () => {
    const start = hostileRoom(() => startHostileServer(["replay-commit"]), {
      publish: false,
      admitted: true,
    });
    it("ignore them: one epoch, one exporter output, nobody rejoins", async () => {
      const { server, join, bots } = await start();
      await join("Ada");
      await join("Ben");
      await join("Cyd");
      await settled(bots);
      // One more commit after the joiners' updates, so every member gets replays at rest too.
      bots[1]?.crypto.member.requestSelfUpdate();
      await waitFor("the replays", () => attackCount(server, "replay-commit") > 0);
      assert.ok(attackCount(server, "replay-commit") > 0, "the server replayed no commit");
      await assertOneGroup(bots);
      for (const bot of bots) {
        assert.equal(member(bot).rejoins, 0, `${bot.stats().name} rejoined`);
        assert.equal(member(bot).commitsFailed, 0, `${bot.stats().name} failed a commit`);
      }
    });
  });

  describe("reorder-commits: one member gets the next epoch's commit before the one it needs", () => {
    const start = hostileRoom(() => startHostileServer(["reorder-commits"]), {
      publish: false,
      admitted: true,
    });
    it("keeps the later one until the earlier comes, and ends in the others' group", async () => {
      const { server, join, bots } = await start();
      // The server holds the first commit Ada (the first welcomed) gets from someone else: Ben's
      // first update. She stays behind until the next commit, which it sends her first.
      const ada = await join("Ada");
      const ben = await join("Ben");
      const epoch = (bot: Bot) => BigInt(bot.stats().e2ee?.epoch ?? "0");
      await waitFor("Ben's update to be held from Ada", () => epoch(ben) > epoch(ada));
      ben.crypto.member.requestSelfUpdate();
      await waitFor("the reordered delivery", () => attackCount(server, "reorder-commits") > 0);
      assert.ok(attackCount(server, "reorder-commits") > 0, "the server reordered no commits");
      await assertOneGroup(bots);
      assert.equal(member(ada).queueExpired, 0, "Ada gave up the commit she queued");
      assert.equal(member(ada).commitsFailed, 0, "Ada failed a commit");
      assert.equal(member(ada).rejoins, 0, "Ada rejoined instead of applying both in order");
    });
  });

  describe("replay-roles: after a lock and an unlock, the server delivers the lock again", () => {
    const start = hostileRoom(() => startHostileServer(["replay-roles"]), {
      publish: false,
      admitted: true,
    });
    it("is refused by every member: the meeting stays unlocked and a joiner gets in", async () => {
      const { server, join, bots } = await start();
      const ada = await join("Ada");
      await join("Ben");
      await settled(bots);
      const locked = (bot: Bot) => bot.crypto.member.roles?.settings.locked;
      assert.equal(await ada.crypto.member.setLocked(true), true);
      await waitFor("everyone to see the lock", () => bots.every((b) => locked(b) === true));
      assert.equal(await ada.crypto.member.setLocked(false), true);
      await waitFor("the old lock replayed", () => attackCount(server, "replay-roles") > 0);
      assert.ok(attackCount(server, "replay-roles") > 0, "the server replayed no roles commit");
      await settled(bots);
      for (const bot of bots) {
        assert.equal(locked(bot), false, `${bot.stats().name} took the old lock back`);
        assert.equal(member(bot).commitsFailed, 0, `${bot.stats().name} failed a commit`);
      }
      await join("Cyd");
      await assertOneGroup(bots);
    });
  });
});
