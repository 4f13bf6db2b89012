/**
 * docs/e2ee.md "Recovery from a commit members cannot apply": a rollback only on failure reports
 * signed by a majority of the members who could report, about the very commit each member applied.
 * Real bots (the member engine a browser's worker runs) against the real server forging rollbacks
 * of a Remove and of a block, and replaying a commit a real rollback withdrew.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Bot } from "@conclave/bot";
import { formatFingerprint, type MlsPolicy } from "@conclave/e2ee";
import { waitFor } from "../wait-for.ts";
import { attackCount, hostileRoom, settled, startHostileServer } from "./hostile-server.ts";

const names = (bot: Bot) => bot.crypto.member.roster.map((m) => m.displayName);
const member = (bot: Bot) => bot.stats().e2ee?.member ?? {};
const fingerprint = (bot: Bot) => bot.crypto.member.roster.find((m) => m.self)?.fingerprint ?? "";

/** For `ms`, every bot in `bots` keeps `check` true. */
async function holdsFor(ms: number, bots: readonly Bot[], check: (bot: Bot) => boolean) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    for (const bot of bots) assert.ok(check(bot), `${bot.stats().name}: ${names(bot).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function forgeRoom() {
  return hostileRoom(() => startHostileServer(["forge-rollback", "repeated-nonce"]), {
    publish: false,
    admitted: true,
  });
}

describe("forge-rollback: the server forges the rollback of a Remove", () => {
  const start = forgeRoom();
  it("the Remove stays done: members refuse the forged rollback and log it", async () => {
    const { server, join } = await start();
    const ada = await join("Ada");
    const ben = await join("Ben");
    const cyd = await join("Cyd");
    await settled([ada, ben, cyd]);
    const cydLeaf = cyd.crypto.member.ownLeaf;
    assert.ok(cydLeaf !== undefined);
    assert.equal(await ada.crypto.member.remove(cydLeaf), true);
    await waitFor("the forged rollback", () => attackCount(server, "forge-rollback") > 0);
    await waitFor("Ada and Ben to remove Cyd", () =>
      [ada, ben].every((bot) => !names(bot).includes("Cyd")),
    );
    await holdsFor(3000, [ada, ben], (bot) => !names(bot).includes("Cyd"));
    for (const bot of [ada, ben]) {
      assert.equal(member(bot).rollbacks, 0, `${bot.stats().name} rolled back`);
      assert.ok((member(bot).securityEvents ?? 0) > 0, `${bot.stats().name} logged nothing`);
    }
  });
});

describe("forge-rollback: the server forges the rollback of a block", () => {
  const start = forgeRoom();
  it("the block stays done: the new invite generation holds, the blocked device stays out", async () => {
    const { server, join } = await start();
    const ada = await join("Ada");
    const ben = await join("Ben");
    const cyd = await join("Cyd");
    await settled([ada, ben, cyd]);
    assert.equal(await ada.crypto.member.block(fingerprint(cyd)), true);
    await waitFor("the new invite generation", () =>
      [ada, ben].every((b) => b.crypto.member.roles?.inviteGeneration === 1),
    );
    await waitFor("the forged rollbacks", () => attackCount(server, "forge-rollback") > 0);
    await holdsFor(
      3000,
      [ada, ben],
      (bot) => bot.crypto.member.roles?.inviteGeneration === 1 && !names(bot).includes("Cyd"),
    );
    for (const bot of [ada, ben]) assert.equal(member(bot).rollbacks, 0);
  });
});

/** Refuses every commit by the member whose fingerprint `target.fingerprint` names. */
function refusing(target: { fingerprint: string }): MlsPolicy {
  return (input, context) => {
    if (input.kind !== "commit" || input.origin !== "remote") return { accept: true };
    const entry = context.roster.find((e) => e.leafIndex === input.committer);
    if (entry === undefined || formatFingerprint(entry.fingerprint) !== target.fingerprint) {
      return { accept: true };
    }
    return { accept: false, reason: "this test's members refuse that member's commits" };
  };
}

describe("forge-rollback after a real rollback: the server delivers the withdrawn commit again", () => {
  const start = forgeRoom();
  it("the member that had applied it never takes it again, and no SFrame nonce repeats", async () => {
    const { server, join } = await start();
    // Ada, Ben and Cyd refuse Oli's commits (as members of another version might); Ora applies
    // them. Oli's update is refused by three of the four who may report: a real rollback, which
    // Ora must follow, and then the server hands Ora the withdrawn update again.
    const target = { fingerprint: "" };
    const policy = refusing(target);
    const ada = await join("Ada", { policy });
    const ben = await join("Ben", { policy });
    const cyd = await join("Cyd", { policy });
    const oli = await join("Oli");
    const ora = await join("Ora", { publish: true });
    await settled([ada, ben, cyd, oli, ora]);
    await waitFor("Ora's audio to flow", () => (ora.stats().sent?.audioPackets ?? 0) > 100);
    target.fingerprint = fingerprint(oli);
    oli.crypto.member.requestSelfUpdate();
    await waitFor("Ora's rollback", () => (member(ora).rollbacks ?? 0) > 0);
    await waitFor("the replay", () => attackCount(server, "forge-rollback") > 0);
    // Ora keeps sending for a while after the replay came.
    const sent = ora.stats().sent?.audioPackets ?? 0;
    await waitFor(
      "Ora's audio after the replay",
      () => (ora.stats().sent?.audioPackets ?? 0) > sent + 150,
    );
    assert.equal(attackCount(server, "repeated-nonce"), 0, "an SFrame nonce was used twice");
    await settled([ada, ben, cyd, ora]);
    assert.equal(ora.stats().e2ee?.epoch, ada.stats().e2ee?.epoch, "Ora took the withdrawn commit");
    assert.ok((member(ora).securityEvents ?? 0) > 0, "Ora did not log the replayed commit");
  });
});
