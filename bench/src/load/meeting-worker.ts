/**
 * One load process of `bench:meeting` (forked by meeting.ts): it joins the participants it is told
 * to, one at a time, each a real bot (MLS member engine, SFrame, two werift connections), and times
 * each join until its first decrypted video frame. A publisher stays a full member. A receiver, once
 * it decrypted a frame and made its first update, stops its engine and only meters its downlink
 * (metered-srtp.ts): its later MLS work and decryption would run on its own device in a real
 * meeting, and a hundred of them on two cores would measure the bots, not the meeting.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type Bot, joinBot, loadShippedClip } from "@conclave/bot";
import { MEDIA_CODECS } from "@conclave/protocol";
import type { JoinTiming, MeetingCommand, MeetingReply } from "./meeting-messages.ts";
import { meterFor, meterSrtp, meters } from "./metered-srtp.ts";

/** How long a receiver waits for its own first update before it stops its engine anyway. */
const UPDATE_WAIT_MS = 15_000;
const POLL_MS = 10;

meterSrtp();
const clip = await loadShippedClip();
const bots: Bot[] = [];
const counts = { closed: 0, reconnections: 0 };
/** How long this process's thread was held at most: a bot's timers and ICE checks wait that long. */
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();

function reply(message: MeetingReply): void {
  process.send?.(message);
}

async function until<T>(read: () => T | null, deadline: number): Promise<T | null> {
  for (;;) {
    const value = read();
    if (value !== null || performance.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Resolves once our own first commit (the update replacing our KeyPackage's key) is adopted. */
function ownUpdate(bot: Bot): Promise<void> {
  const { member } = bot.crypto;
  return new Promise((resolve) => {
    member.on("epoch", (event) => {
      if (event.reason === "own-commit") resolve();
    });
    // Sent before we listened: its echo or refusal is handled once the engine is idle.
    if (member.stats.commitsSent > 0) void member.idle().then(resolve);
  });
}

async function join(command: Extract<MeetingCommand, { type: "join" }>): Promise<JoinTiming> {
  const { name, publish, timeoutMs } = command;
  meterFor(name, true);
  const start = performance.now();
  const deadline = start + timeoutMs;
  let bot: Bot;
  try {
    bot = await joinBot({
      url: command.url,
      name,
      publish,
      clip,
      reconnect: true,
      timeoutMs,
      gridTiles: command.gridTiles,
    });
  } catch (error) {
    meterFor("", false);
    return { name, connectedMs: null, firstFrameMs: null, error: String(error) };
  }
  const connectedMs = performance.now() - start;
  bots.push(bot);
  bot.on("closed", (_code, _reason, expected) => {
    if (!expected) counts.closed++;
  });
  bot.on("reconnected", () => counts.reconnections++);
  const frameAt = command.expectVideo
    ? await until(() => bot.crypto.firstVideoFrameAt, deadline)
    : null;
  const firstFrameMs = frameAt === null ? null : frameAt - start;
  const error =
    command.expectVideo && frameAt === null
      ? `no video frame decrypted: ${JSON.stringify({ receiving: bot.stats().receiveConnection, epoch: String(bot.crypto.member.epoch), ...bot.stats().signalling })}`
      : null;
  if (!publish) {
    await Promise.race([
      ownUpdate(bot),
      new Promise((resolve) => setTimeout(resolve, UPDATE_WAIT_MS)),
    ]);
    bot.crypto.close();
    for (const meter of meters) if (meter.owner === name) meter.decrypting = false;
  }
  // Transports started later (a reconnection that could not keep its connections) are counted
  // for nobody: which bot of the process made them is not known.
  meterFor("", false);
  return { name, connectedMs, firstFrameMs, error };
}

async function handle(command: MeetingCommand): Promise<void> {
  switch (command.type) {
    case "join":
      reply({ type: "joined", ...(await join(command)) });
      return;
    case "downlink": {
      const usage = process.cpuUsage();
      reply({
        type: "downlink",
        cpuSeconds: (usage.user + usage.system) / 1e6,
        downlinks: meters.map((meter) => ({
          owner: meter.owner,
          streams: [...meter.streams.values()].map((s) => ({
            video: s.payloadType === MEDIA_CODECS.video.payloadType,
            packets: s.packets,
            bytes: s.bytes,
            expected: s.highestSequence - s.firstSequence + 1,
          })),
        })),
      });
      return;
    }
    case "epochs":
      reply({
        type: "epochs",
        epochs: bots
          .filter((bot) => bot.crypto.member.status !== "closed")
          .map((bot) => bot.stats().e2ee?.epoch ?? null),
        connections: bots
          .filter((bot) => bot.crypto.member.status !== "closed")
          .map((bot) => `${bot.stats().sendConnection}/${bot.stats().receiveConnection}`),
        maxEventLoopDelayMs: Math.round(loopDelay.max / 1e6),
        closed: counts.closed - counts.reconnections,
        reconnections: counts.reconnections,
      });
      return;
    case "stop":
      for (const bot of bots) bot.close();
      reply({ type: "stopped" });
      process.exit(0);
  }
}

process.on("message", (command: MeetingCommand) => {
  handle(command).catch((error: Error) => reply({ type: "failed", message: error.message }));
});
reply({ type: "ready" });
