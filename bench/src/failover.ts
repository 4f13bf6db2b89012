/**
 * `npm run bench:failover -- [--people 4] [--rounds 3] [--lease-ms 5000] [--drain]`
 *
 * A meeting's node killed, or with `--drain` taken out of service (SIGTERM: it hands its meetings
 * off, docs/operations.md "Taking a node out of service"), measured (docs/performance.md
 * "Failover"): a real redis-server, two
 * server nodes with their own media ports behind a TCP balancer that sends every connection to the
 * first node alive (packages/server/test/balancer.ts), and `people` bots that publish the shipped
 * clip, each with reconnection on. Each round, once everyone decrypts everyone and has said
 * something in the chat, the owning node gets SIGKILL (or SIGTERM) while the meeting is idle; each
 * bot says something again as soon as it is back. Per round, from the signal: every member
 * resumed, the media gap (media from every other member decrypted again, worst receiver), the
 * node's exit, epochs added, chat messages lost (sent by a member that got its place back, not
 * received by every other), and whether everyone holds the same leaf and exporter as before.
 * Prints JSON.
 */
import { parseArgs } from "node:util";
import { type Bot, joinBot } from "@conclave/bot";
import { balancer } from "../../packages/server/test/balancer.ts";
import { decryptedFrom, exported } from "../../packages/server/test/bot-readings.ts";
import { startRedis } from "../../packages/server/test/redis-server.ts";
import { newRoom } from "../../packages/server/test/signalling-client.ts";
import { type ServerProcess, startServer } from "../../packages/server/test/start-server.ts";
import { waitFor } from "../../packages/server/test/wait-for.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string", default: "4" },
    rounds: { type: "string", default: "3" },
    "lease-ms": { type: "string", default: "5000" },
    drain: { type: "boolean", default: false },
  },
});
const signal = values.drain ? "SIGTERM" : "SIGKILL";
const people = Number(values.people);
const rounds = Number(values.rounds);
const leaseMs = Number(values["lease-ms"]);
if (!Number.isInteger(people) || people < 2 || !(rounds >= 1) || !(leaseMs >= 300)) {
  throw new Error(
    "usage: bench:failover -- [--people N>=2] [--rounds R] [--lease-ms T>=300] [--drain]",
  );
}
const PORT_BASE = 20_000 + (process.pid % 180) * 200;
const MEDIA_AGAIN = 10;

const placeOf = (bot: Bot) => `${bot.id}/${bot.crypto.member.ownLeaf}`;

async function round(redisUrl: string, index: number) {
  const node = (name: string, slice: number) =>
    startServer({
      REDIS_URL: redisUrl,
      NODE_ID: name,
      LEASE_TTL_MS: String(leaseMs),
      MAX_EVENT_LOOP_DELAY_MS: "0",
      DRAIN_TIMEOUT_MS: "500",
      RTC_MIN_PORT: String(PORT_BASE + slice * 100),
      RTC_MAX_PORT: String(PORT_BASE + slice * 100 + 99),
    });
  const nodes: ServerProcess[] = [await node(`a${index}`, 0), await node(`b${index}`, 1)];
  const [a, b] = nodes as [ServerProcess, ServerProcess];
  const front = await balancer([a.port, b.port]);
  const bots: Bot[] = [];
  try {
    const room = await newRoom();
    const url = `http://127.0.0.1:${front.port}/m/${room.roomId}#${room.secret}`;
    for (let i = 0; i < people; i++) {
      bots.push(await joinBot({ url, name: `Bot ${i + 1}`, reconnect: true }));
    }
    const heard = new Map<Bot, Set<string>>(bots.map((bot) => [bot, new Set()]));
    for (const bot of bots) bot.crypto.member.on("chat", (c) => heard.get(bot)?.add(c.text));
    await waitFor(
      "everyone to decrypt everyone",
      () => bots.every((r) => bots.every((s) => r === s || decryptedFrom(r, s) > 30)),
      120_000,
    );
    for (const bot of bots) await bot.crypto.member.sendChat(`before ${bot.id}`);
    const said = bots.map((bot) => `before ${bot.id}`);
    const everyoneHeard = () =>
      bots.every((r) => said.every((text) => text.endsWith(r.id) || heard.get(r)?.has(text)));
    await waitFor("the chat before the kill", everyoneHeard);
    const before = { places: bots.map(placeOf), epoch: bots[0]?.crypto.member.epoch ?? 0n };
    const counts = bots.map((r) => bots.map((s) => decryptedFrom(r, s)));

    const resumedAt = new Map<Bot, number>();
    for (const bot of bots) {
      bot.on("reconnected", (resumed) => {
        if (!resumed) return;
        resumedAt.set(bot, performance.now());
        said.push(`after ${bot.id}`);
        void bot.crypto.member.sendChat(`after ${bot.id}`);
      });
    }
    const killedAt = performance.now();
    const exited = a.stop(signal).then(() => performance.now() - killedAt);
    await waitFor("every member back", () => resumedAt.size === bots.length, 120_000);
    await waitFor(
      "media from everyone to everyone again",
      () =>
        bots.every((r, i) =>
          bots.every(
            (s, j) => r === s || decryptedFrom(r, s) > (counts[i]?.[j] ?? 0) + MEDIA_AGAIN,
          ),
        ),
      120_000,
    );
    const mediaGapMs = performance.now() - killedAt;
    await waitFor("the chat after the kill", everyoneHeard, 10_000).catch(() => {});
    const lost = bots
      .map((r) => said.filter((text) => !text.endsWith(r.id) && !heard.get(r)?.has(text)).length)
      .reduce((x, y) => x + y, 0);
    const epochs = new Set(bots.map((bot) => bot.crypto.member.epoch));
    const exporters = new Set(await Promise.all(bots.map(exported)));
    return {
      toAllResumedMs: Math.round(Math.max(...resumedAt.values()) - killedAt),
      toFirstResumedMs: Math.round(Math.min(...resumedAt.values()) - killedAt),
      mediaGapMs: Math.round(mediaGapMs),
      exitedMs: Math.round(await exited),
      epochsAdded: epochs.size === 1 ? Number([...epochs][0] ?? 0n) - Number(before.epoch) : null,
      messagesLost: lost,
      sameLeaves: bots.map(placeOf).every((p, i) => p === before.places[i]),
      sameExporter: exporters.size === 1,
      rejoins: bots.reduce((n, bot) => n + bot.crypto.member.stats.rejoins, 0),
    };
  } finally {
    for (const bot of bots) bot.close();
    await front.close();
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

const redis = await startRedis();
const results: Awaited<ReturnType<typeof round>>[] = [];
try {
  for (let i = 0; i < rounds; i++) results.push(await round(redis.url, i));
} finally {
  await redis.stop();
}
const sorted = (key: "toAllResumedMs" | "mediaGapMs") =>
  results.map((r) => r[key]).sort((x, y) => x - y);
const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? null;
console.log(
  JSON.stringify(
    {
      people,
      leaseMs,
      signal,
      rounds: results,
      medianToAllResumedMs: median(sorted("toAllResumedMs")),
      medianMediaGapMs: median(sorted("mediaGapMs")),
    },
    null,
    2,
  ),
);
process.exit(0);
