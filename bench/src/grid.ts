/**
 * `npm run bench:grid -- [--people 16] [--seconds 10]`
 *
 * Forward only what is seen, measured (docs/performance.md "Only what is seen"): one Chromium page
 * at 1280×800 in grid view and `people - 1` bots that each publish the shipped clip, all in one
 * meeting on a local server. Once every bot's tile is on the page, it counts over `seconds` how
 * many received videos carried bytes and how much, against the tiles the grid shows. Prints JSON.
 */
import { parseArgs } from "node:util";
import { BotProcess } from "../../e2e/bot-process.ts";
import {
  DESKTOP,
  inGroup,
  joinMeeting,
  launchBrowser,
  layoutSettled,
  newMeetingLink,
  newParticipant,
  tile,
  waitFor,
} from "../../e2e/browser.ts";
import { inboundVideoBytes, recordPeerConnections } from "../../e2e/peer-connections.ts";
import { startServer } from "../../packages/server/test/start-server.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string", default: "16" },
    seconds: { type: "string", default: "10" },
  },
});
const people = Number(values.people);
const seconds = Number(values.seconds);
if (!Number.isInteger(people) || people < 2 || !(seconds > 0)) {
  throw new Error("usage: bench:grid -- [--people N>=2] [--seconds T]");
}

// The bots join on the same two cores as the server; refusing them for a busy event loop
// (SERVER_BUSY) would measure the overload gate, not forwarding.
const server = await startServer({ MAX_EVENT_LOOP_DELAY_MS: "0" });
const browser = await launchBrowser();
const bots: BotProcess[] = [];
try {
  const alice = await newParticipant(browser, DESKTOP);
  await recordPeerConnections(alice.context);
  const link = await newMeetingLink(alice.page, server.url);
  await joinMeeting(alice.page, link, "Alice");
  await inGroup(alice.page, "Alice");
  const names = Array.from({ length: people - 1 }, (_, i) => `Bot ${i + 1}`);
  for (const name of names) bots.push(new BotProcess(link, name));
  // Every bot in the meeting's encrypted group: the header counts them.
  await waitFor(
    `all ${names.length} bots in the meeting`,
    async () => (await alice.page.getByText(`${people} people`, { exact: true }).count()) > 0,
    300_000,
    1000,
  );
  await layoutSettled(alice.page);
  await alice.page.waitForTimeout(5000);
  const shown = [];
  for (const name of names)
    if ((await tile(alice.page, name).locator("video").count()) > 0) shown.push(name);
  const before = await inboundVideoBytes(alice.page);
  const start = Date.now();
  await alice.page.waitForTimeout(seconds * 1000);
  const after = await inboundVideoBytes(alice.page);
  const elapsed = (Date.now() - start) / 1000;
  const rates = [...after].map(
    ([id, bytes]) => ((bytes - (before.get(id) ?? 0)) * 8) / elapsed / 1000,
  );
  const carrying = rates.filter((kbps) => kbps > 8);
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        people,
        seconds,
        videosReceivable: after.size,
        tilesShownWithVideo: shown.length,
        videosCarryingBytes: carrying.length,
        videoKbps: Math.round(carrying.reduce((a, b) => a + b, 0)),
      },
      null,
      2,
    ),
  );
} finally {
  for (const bot of bots) bot.stop();
  await browser.close();
  await server.stop();
}
