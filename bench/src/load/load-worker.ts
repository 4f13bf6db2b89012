/**
 * One load process of `bench:sfu` (forked by load-fleet.ts): it joins the publishers and
 * subscribers it is told to, to Conclave or to Janus, and answers samples of what they sent and
 * received. Receivers only count packets (count-only-srtp.ts), so that many fit in one process.
 */
import { type Bot, type BotOptions, joinBot, loadShippedClip } from "@conclave/bot";
import type { RTCPeerConnection } from "werift";
import type { ClipPublisher } from "../../../packages/bot/src/publisher.ts";
import { JanusSession } from "../janus/janus-client.ts";
import { publishToJanus, subscribeToJanus } from "../janus/janus-participants.ts";
import { countOnlySrtp, received, streamsReceived } from "./count-only-srtp.ts";
import type { LoadCommand, LoadReply } from "./load-messages.ts";

const JOIN_ATTEMPTS = 3;

countOnlySrtp();
const clip = await loadShippedClip();
const bots: Bot[] = [];
const janusPublishers: { room: number; feed: number; publisher: ClipPublisher }[] = [];
const connections: RTCPeerConnection[] = [];
let session: JanusSession | null = null;

/**
 * A bot that comes back after a drop: while others join, each join's commit is processed by every
 * bot of this process, which can hold its event loop long enough for a bot to take the silence for
 * a dead connection.
 */
async function joinConclave(url: string, name: string, publish: boolean): Promise<Bot> {
  const options: BotOptions = { url, name, publish, reconnect: true, timeoutMs: 60_000 };
  // The same can cut a join short (the server closes a connection that stopped answering): again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await joinBot(options);
    } catch (error) {
      if (attempt === JOIN_ATTEMPTS) throw error;
    }
  }
}

function reply(message: LoadReply): void {
  process.send?.(message);
}

function sent(): number {
  let packets = 0;
  for (const bot of bots) {
    const counters = bot.stats().sent;
    if (counters) packets += counters.audioPackets + counters.videoPackets;
  }
  for (const { publisher } of janusPublishers)
    packets += publisher.counters.audioPackets + publisher.counters.videoPackets;
  return packets;
}

async function handle(command: LoadCommand): Promise<void> {
  switch (command.type) {
    case "publish": {
      const { target } = command;
      if (target.peer === "conclave") {
        for (const name of command.names) bots.push(await joinConclave(target.url, name, true));
        reply({ type: "published", feeds: [] });
        return;
      }
      session ??= await JanusSession.create(target.url);
      for (const name of command.names) {
        const published = await publishToJanus(session, target.room, name, clip);
        janusPublishers.push({ ...published, room: target.room });
        connections.push(published.pc);
      }
      const feeds = janusPublishers.filter((p) => p.room === target.room).map((p) => p.feed);
      reply({ type: "published", feeds });
      return;
    }
    case "subscribe": {
      const { target } = command;
      if (target.peer === "conclave") {
        for (const name of command.names) bots.push(await joinConclave(target.url, name, false));
        reply({ type: "subscribed" });
        return;
      }
      session ??= await JanusSession.create(target.url);
      // Like Conclave, where each publisher receives every other: its own subscription here.
      for (const { feed } of janusPublishers.filter((p) => p.room === target.room)) {
        const others = command.feeds.filter((f) => f !== feed);
        if (others.length) connections.push(await subscribeToJanus(session, target.room, others));
      }
      for (const _ of command.names)
        connections.push(await subscribeToJanus(session, target.room, command.feeds));
      reply({ type: "subscribed" });
      return;
    }
    case "sample": {
      const usage = process.cpuUsage();
      reply({
        type: "sample",
        sent: sent(),
        delivered: received.packets,
        streams: streamsReceived(),
        cpuSeconds: (usage.user + usage.system) / 1e6,
      });
      return;
    }
    case "stop": {
      for (const bot of bots) bot.close();
      for (const { publisher } of janusPublishers) publisher.stop();
      await Promise.allSettled(connections.map((pc) => pc.close()));
      await session?.destroy();
      reply({ type: "stopped" });
      process.exit(0);
    }
  }
}

process.on("message", (command: LoadCommand) => {
  handle(command).catch((error: Error) => reply({ type: "failed", message: error.message }));
});
reply({ type: "ready" });
