/**
 * `npm run bench:sfu-send -- [--receivers K] [--burst B] [--seconds T]`
 *
 * The CPU one forwarded packet costs the SFU's process on its way out, alone: K werift
 * connections in this process each with one video sender, as the SFU's receiving legs, and their
 * K answering connections in a child process (which pays for decrypting). Every millisecond or so
 * B packets of 1,100 bytes go to all K senders the way packages/sfu/src/subscribe-slot.ts sends
 * them (receiver-seams.ts sendRtpNow): clone and rewrite, SRTP, UDP. Prints this process's CPU
 * time per packet (user and system) and the share the child received. Nothing else runs here, so
 * it is steadier than bench:sfu on a shared machine; what it leaves out is the receive side,
 * the pacer and RTCP.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { MEDIA_CODECS } from "@conclave/protocol";
import {
  RTCPeerConnection,
  type RTCPeerConnectionConfig,
  RTCRtpCodecParameters,
  type RTCRtpSender,
  RtpHeader,
  RtpPacket,
} from "werift";
import { sendRtpNow } from "../../packages/sfu/src/receiver-seams.ts";

const config: RTCPeerConnectionConfig = {
  iceServers: [],
  iceAdditionalHostAddresses: ["127.0.0.1"],
  iceUseIpv6: false,
  bundlePolicy: "max-bundle",
  codecs: {
    audio: [],
    video: [
      new RTCRtpCodecParameters({
        ...MEDIA_CODECS.video,
        rtcpFeedback: MEDIA_CODECS.video.rtcpFeedback.map((fb) => ({ ...fb })),
      }),
    ],
  },
  headerExtensions: { audio: [], video: [] },
};

type ToChild = { offers: string[] } | { count: true } | { exit: true };
type FromChild = { answers: string[] } | { received: number };

async function gathered(pc: RTCPeerConnection): Promise<string> {
  while (pc.iceGatheringState !== "complete") await new Promise((r) => setTimeout(r, 10));
  return pc.localDescription?.sdp ?? "";
}

/** The receiving side: answers each offer, counts the packets that arrive. */
function child(): void {
  const peers: RTCPeerConnection[] = [];
  let received = 0;
  process.on("message", async (message: ToChild) => {
    if ("offers" in message) {
      const answers: string[] = [];
      for (const sdp of message.offers) {
        const pc = new RTCPeerConnection(config);
        peers.push(pc);
        pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => received++));
        await pc.setRemoteDescription({ type: "offer", sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        answers.push(await gathered(pc));
      }
      process.send?.({ answers } satisfies FromChild);
    } else if ("count" in message) process.send?.({ received } satisfies FromChild);
    else process.exit(0);
  });
}

/** K sending connections here, each answered in the child, once all are connected. */
async function connected(
  receivers: number,
  ask: (message: ToChild) => Promise<FromChild>,
): Promise<{ peers: RTCPeerConnection[]; senders: RTCRtpSender[] }> {
  const peers: RTCPeerConnection[] = [];
  const senders: RTCRtpSender[] = [];
  const offers: string[] = [];
  for (let i = 0; i < receivers; i++) {
    const pc = new RTCPeerConnection(config);
    peers.push(pc);
    senders.push(pc.addTransceiver("video", { direction: "sendonly" }).sender);
    await pc.setLocalDescription(await pc.createOffer());
    offers.push(await gathered(pc));
  }
  const reply = await ask({ offers });
  if (!("answers" in reply)) throw new Error("no answers");
  for (const [i, pc] of peers.entries()) {
    await pc.setRemoteDescription({ type: "answer", sdp: reply.answers[i] ?? "" });
  }
  while (!peers.every((pc) => pc.connectionState === "connected")) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return { peers, senders };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      receivers: { type: "string", default: "8" },
      burst: { type: "string", default: "3" },
      seconds: { type: "string", default: "6" },
    },
  });
  const receivers = Number(values.receivers);
  const burst = Number(values.burst);
  const seconds = Number(values.seconds);
  const other = fork(fileURLToPath(import.meta.url), ["child"], { execArgv: ["--import", "tsx"] });
  const ask = (message: ToChild) =>
    new Promise<FromChild>((resolve) => {
      other.once("message", resolve);
      other.send(message);
    });

  const { peers, senders } = await connected(receivers, ask);
  await new Promise((r) => setTimeout(r, 500));
  const countAt = async () => {
    const counted = await ask({ count: true });
    return "received" in counted ? counted.received : 0;
  };
  const before = await countAt();

  const payload = Buffer.alloc(1100, 7);
  const payloadType = MEDIA_CODECS.video.payloadType;
  let sequenceNumber = 0;
  let timestamp = 0;
  let sent = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (let b = 0; b < burst; b++) {
      sequenceNumber = (sequenceNumber + 1) & 0xffff;
      const marker = b === burst - 1;
      const header = new RtpHeader({ sequenceNumber, timestamp, payloadType, ssrc: 1234, marker });
      const packet = new RtpPacket(header, payload);
      for (const sender of senders) {
        sendRtpNow(sender, packet);
        sent++;
      }
    }
    timestamp += 3000;
    await new Promise((r) => setTimeout(r, 1));
  }
  const used = process.cpuUsage(cpu);
  const elapsed = (performance.now() - start) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  const received = (await countAt()) - before;
  console.log(
    JSON.stringify({
      bench: "sfu-send",
      receivers,
      packetsPerSecond: Math.round(sent / elapsed),
      receivedPercent: Math.round((received / sent) * 1000) / 10,
      cpuMicrosecondsPerPacket: Math.round(((used.user + used.system) / sent) * 100) / 100,
      systemMicrosecondsPerPacket: Math.round((used.system / sent) * 100) / 100,
    }),
  );
  other.send({ exit: true } satisfies ToChild);
  for (const pc of peers) await pc.close();
  process.exit(0);
}

if (process.argv[2] === "child") child();
else await main();
