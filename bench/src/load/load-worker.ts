/**
 * One load process of `bench:sfu` (forked by load-fleet.ts): it joins the publishers and
 * subscribers it is told to, to Conclave or to Janus, and answers samples of what they sent and
 * received. Receivers only count packets (count-only-srtp.ts), so that many fit in one process.
 */
import { type Bot, joinBot, loadShippedClip } from "@conclave/bot";
import type { RTCPeerConnection } from "werift";
import type { ClipPublisher } from "../../../packages/bot/src/publisher.ts";
import { JanusSession } from "../janus/janus-client.ts";
import { publishToJanus, subscribeToJanus } from "../janus/janus-participants.ts";
import { countOnlySrtp, received, streamsReceived } from "./count-only-srtp.ts";
import type { LoadCommand, LoadReply } from "./load-messages.ts";

countOnlySrtp();
const clip = await loadShippedClip();
const bots: Bot[] = [];
const janusPublishers: { feed: number; publisher: ClipPublisher }[] = [];
const connections: RTCPeerConnection[] = [];
let session: JanusSession | null = null;

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
        for (const name of command.names) bots.push(await joinBot({ url: target.url, name }));
        reply({ type: "published", feeds: [] });
        return;
      }
      session ??= await JanusSession.create(target.url);
      for (const name of command.names) {
        const published = await publishToJanus(session, target.room, name, clip);
        janusPublishers.push(published);
        connections.push(published.pc);
      }
      reply({ type: "published", feeds: janusPublishers.map((p) => p.feed) });
      return;
    }
    case "subscribe": {
      const { target } = command;
      if (target.peer === "conclave") {
        for (const name of command.names)
          bots.push(await joinBot({ url: target.url, name, publish: false }));
        reply({ type: "subscribed" });
        return;
      }
      session ??= await JanusSession.create(target.url);
      // Like Conclave, where each publisher receives every other: its own subscription here.
      for (const { feed } of janusPublishers) {
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
