/**
 * DESIGN.md §1: what the server may do, it must not do unseen (docs/e2ee.md "Alarms"). Real bots
 * (the engine and frame cryptor a browser's worker runs) against the real server: a participant
 * the server shows who is not in the group, a member the server leaves behind, and a member whose
 * media no longer authenticates each raise their alarm.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { waitFor } from "../wait-for.ts";
import { attackCount, hostileRoom, startHostileServer } from "./hostile-server.ts";

describe("alarms against a hostile server", () => {
  describe("phantom-participant: the server lists someone who never joins the group", () => {
    const start = hostileRoom(() => startHostileServer(["phantom-participant"]), {
      publish: false,
      admitted: true,
    });
    it("raises unknown-participant after 10 s, naming the phantom, and never for real joiners", async () => {
      const { server, join } = await start();
      const ada = await join("Ada");
      const alarms: Array<{ id: string; at: number }> = [];
      ada.crypto.member.on("alarm", (alarm) => {
        if (alarm.kind === "unknown-participant" && alarm.active) {
          alarms.push({ id: alarm.participantId, at: Date.now() });
        }
      });
      const joinedAt = Date.now();
      const ben = await join("Ben");
      await waitFor("an unknown-participant alarm", () => alarms.length > 0, 15_000);
      assert.ok(attackCount(server, "phantom-participant") > 0, "no phantom was announced");
      const [first] = alarms;
      assert.ok(first);
      assert.notEqual(first.id, ben.id, "Ben joined the group: not unknown");
      assert.ok(first.at - joinedAt >= 9_000, `raised ${first.at - joinedAt} ms after Ben came`);
      assert.ok(alarms.every((a) => a.id !== ben.id && a.id !== ada.id));
    });
  });

  describe("starve-member: the server stops giving one member the commits", () => {
    const start = hostileRoom(() => startHostileServer(["starve-member"]), {
      publish: false,
      admitted: true,
    });
    it("the member left behind pauses its sending, raises newer-epoch and rejoins", async () => {
      const { server, join } = await start();
      const ada = await join("Ada", { publish: true });
      await join("Ben");
      const cyd = await join("Cyd", { publish: true });
      // The attack starts 6 s after Cyd's welcome (its Add and first update must get through);
      // nothing observable marks that moment, so this one wait is on the attack's own clock.
      await new Promise((resolve) => setTimeout(resolve, 6500));
      await join("Dan").catch(() => undefined);
      await waitFor(
        "Cyd's newer-epoch alarm",
        () => cyd.crypto.mediaAlarms.some((a) => a.kind === "newer-epoch" && a.active),
        10_000,
      );
      assert.ok(attackCount(server, "starve-member") > 0, "no commit was withheld");
      const refused = () => cyd.stats().e2ee?.frames.total.refused["paused-newer-epoch"] ?? 0;
      await waitFor("Cyd to refuse its own frames", () => refused() > 0);
      await waitFor("Cyd to rejoin", () => (cyd.stats().e2ee?.member.rejoins ?? 0) > 0, 10_000);
      assert.ok(!ada.crypto.mediaAlarms.some((a) => a.kind === "newer-epoch"), "Ada is not behind");
    });
  });

  describe("corrupt-frames: one member's media stops authenticating", () => {
    const start = hostileRoom(() => startHostileServer(["corrupt-frames"]), {
      publish: false,
      admitted: true,
    });
    it("raises group-split naming that member at the others", async () => {
      const { server, join } = await start();
      await join("Ada", { publish: true });
      const ben = await join("Ben");
      await waitFor(
        "Ben's group-split alarm",
        () => ben.crypto.mediaAlarms.some((a) => a.kind === "group-split" && a.active),
        15_000,
      );
      assert.ok(attackCount(server, "corrupt-frames") > 0, "no frame was corrupted");
      const alarm = ben.crypto.mediaAlarms.find((a) => a.kind === "group-split");
      assert.equal(alarm?.kind === "group-split" ? alarm.name : "", "Ada");
      assert.ok((ben.stats().e2ee?.frames.total.dropped.auth ?? 0) >= 50);
    });
  });
});

describe("phantom-self: a phantom claims the viewer's own leaf, or a held member's", () => {
  const start = hostileRoom(() => startHostileServer(["phantom-self"]), {
    publish: false,
    admitted: true,
  });
  it("raises unknown-participant naming the phantom, though its leaf is in the roster", async () => {
    const { server, join } = await start();
    const ada = await join("Ada");
    const raised: string[] = [];
    ada.crypto.member.on("alarm", (alarm) => {
      if (alarm.kind === "unknown-participant" && alarm.active) raised.push(alarm.participantId);
    });
    const ben = await join("Ben");
    await waitFor("Ada's unknown-participant alarm", () => raised.length > 0, 15_000);
    assert.ok(attackCount(server, "phantom-self") > 0, "no phantom was announced");
    assert.ok(
      raised.every((id) => id !== ada.id && id !== ben.id),
      "only the phantom is unknown",
    );
  });
});
