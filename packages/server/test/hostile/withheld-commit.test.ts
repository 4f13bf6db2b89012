/**
 * DESIGN.md §1: the server can always delay or drop, and clients make it visible. Against the real
 * server dropping every commit that removes someone, the member whose Remove it withholds raises
 * the withheld-commit alarm within 2 s of sending it, and again for each retry.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Bot } from "@conclave/bot";
import { waitFor } from "../wait-for.ts";
import { attackCount, hostileRoom, settled, startHostileServer } from "./hostile-server.ts";

const rosterSize = (bot: Bot) => bot.stats().e2ee?.roster.length ?? 0;

describe("withhold-remove: the server drops the commits that remove a member", () => {
  const start = hostileRoom(() => startHostileServer(["withhold-remove"]), {
    publish: false,
    admitted: true,
  });

  it("raises the withheld-commit alarm at the committer within 2 s", async () => {
    const { server, bots, join } = await start();
    for (const name of ["Ada", "Ben", "Cyd"]) await join(name);
    const [ada, ben, cyd] = bots as [Bot, Bot, Bot];
    // Joiners make their first updates: let the group settle so Ada's next commit is the Remove.
    await settled(bots);
    const alarms: Array<{ at: number; epoch: bigint }> = [];
    const sent: number[] = [];
    for (const bot of [ada, ben]) {
      bot.crypto.member.on("alarm", (alarm) => {
        if (alarm.kind === "withheld-commit") alarms.push({ at: Date.now(), epoch: alarm.epoch });
      });
    }
    const epoch = BigInt(ada.stats().e2ee?.epoch ?? "0");
    const commitsSent = () => ada.stats().e2ee?.member.commitsSent ?? 0;
    const before = commitsSent();
    const watch = setInterval(() => {
      if (commitsSent() > before && sent.length === 0) sent.push(Date.now());
    }, 10);
    await cyd.leave();
    try {
      await waitFor("a withheld-commit alarm", () => alarms.length > 0, 6000);
    } finally {
      clearInterval(watch);
    }
    assert.ok(attackCount(server, "withhold-remove") > 0, "the server withheld no Remove");
    const [first] = alarms;
    assert.ok(first);
    assert.equal(first.epoch, epoch, "the alarm names the epoch of the withheld commit");
    const [sentAt] = sent;
    assert.ok(sentAt !== undefined, "Ada (the duty holder) never committed the Remove");
    const delay = first.at - sentAt;
    assert.ok(delay >= 1900 && delay < 2600, `the alarm came ${delay} ms after the commit`);
    assert.equal(rosterSize(ada), 3, "the Remove was withheld, so Cyd is still in the group");
  });
});
