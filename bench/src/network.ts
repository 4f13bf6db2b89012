/**
 * `npm run bench:network -- [--seconds 30] [--warmup 10] [--only "loss 5 %"] [--server-priority]`
 *
 * Media over impaired networks (docs/performance.md "Impaired networks"): for each condition
 * (network/impairment.ts) a Conclave call (Alice publishes a 720p30 clip, Bob receives on this
 * machine, Carol on another: a network namespace behind a veth pair; Bob's and Carol's cameras are
 * off) and then, in the same run and under the same condition, a direct Chromium call between the
 * same two sides. Prints one JSON object: per condition, what the impaired side's receiver got of
 * Alice's video (fps, freeze seconds per minute, resolution, kbit/s, packets left lost, keyframes
 * asked for) for both, the ratio Conclave/direct, what the other Conclave receiver got, and what
 * Alice's encoder sent. Needs root (namespaces, tc, nftables) and ffmpeg (scripts/install-bench-deps.sh).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Browser, chromium, type Page } from "playwright-core";
import {
  CHROMIUM_ARGS,
  expectVideoFlowing,
  joinMeeting,
  newMeetingLink,
  newParticipant,
} from "../../e2e/browser.ts";
import { spkiPin } from "../../e2e/lan-meeting.ts";
import { cannotMakeNamespaces, NetworkNamespace } from "../../e2e/network-namespace.ts";
import { recordPeerConnections } from "../../e2e/peer-connections.ts";
import { OWN_MACHINE, startServer } from "../../packages/server/test/start-server.ts";
import { cameraClip } from "./network/clip.ts";
import { directCall, pageServer } from "./network/direct-call.ts";
import { CONDITIONS, type Condition, impair } from "./network/impairment.ts";
import { measure, type ReceiveFigures, tileVideo } from "./network/receive-figures.ts";
import { measureSending } from "./network/send-figures.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "30" },
    warmup: { type: "string", default: "10" },
    only: { type: "string", multiple: true },
    "server-priority": { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const why = cannotMakeNamespaces();
if (why) throw new Error(`bench:network: ${why}`);

const clip = cameraClip();
const lan = NetworkNamespace.create();
const dataDir = mkdtempSync(join(tmpdir(), "conclave-bench-"));
// With --server-priority the server runs at nice -10, the pages at 0: the server stands for a
// machine of its own. On two cores shared with three browsers' encoders its threads otherwise
// wait: garbage collections of 50-300 ms, event-loop stalls of up to 700 ms, and publishers'
// estimators read the late arrivals as queueing (docs/performance.md "Impaired networks").
const server = await startServer(
  { HOST: lan.hostAddress, HTTPS: "self-signed", DATA_DIR: dataDir },
  values["server-priority"] ? OWN_MACHINE : {},
);
const site = `https://${lan.hostAddress}:${server.port}`;
const pages = await pageServer(lan.hostAddress);
const args = [
  `--ignore-certificate-errors-spki-list=${spkiPin(readFileSync(join(dataDir, "tls", "cert.pem"), "utf8"))}`,
  `--use-file-for-fake-video-capture=${clip}`,
  `--unsafely-treat-insecure-origin-as-secure=${pages.origin}`,
];
const here = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [...CHROMIUM_ARGS, ...args],
});
const there = await lan.launchChromium(args);

/** Alice publishes from `sender`; Carol receives on `receiver`, Bob on this machine. */
async function conclaveCall(sender: Browser, receiver: Browser) {
  const pages: Page[] = [];
  const join = async (browser: Browser, link: string | null, name: string) => {
    const { context, page } = await newParticipant(browser);
    pages.push(page);
    await recordPeerConnections(context);
    await joinMeeting(page, link ?? (await newMeetingLink(page, site)), name);
    return page;
  };
  try {
    const alice = await join(sender, null, "Alice");
    const link = alice.url();
    const bob = await join(here, link, "Bob");
    const carol = await join(receiver, link, "Carol");
    // Bob and Carol only receive, as the direct call's receiver does: Alice's is the one video.
    for (const page of [bob, carol]) {
      await page.getByRole("button", { name: "Camera", exact: true }).click();
    }
    await expectVideoFlowing(carol, "Alice", 60_000).catch(() => {});
    await carol.waitForTimeout(warmup * 1000);
    const [impaired, other, sending] = await Promise.all([
      measure(carol, tileVideo("Alice"), seconds),
      measure(bob, tileVideo("Alice"), seconds),
      measureSending(alice, seconds),
    ]);
    return { impaired, other, sending };
  } finally {
    for (const page of pages) await page.context().close();
  }
}

async function direct(sender: Browser, receiver: Browser): Promise<ReceiveFigures> {
  const call = await directCall(sender, receiver, pages.origin);
  try {
    await call.receiver.waitForTimeout(warmup * 1000);
    return await measure(call.receiver, "video", seconds);
  } finally {
    for (const page of [call.sender, call.receiver]) await page.context().close();
  }
}

function ratio(a: number, b: number): number | null {
  return b === 0 ? (a === 0 ? 1 : null) : Math.round((a / b) * 100) / 100;
}

async function run(condition: Condition) {
  impair(lan, condition);
  // The impaired side is the receiver measured, or the publisher (then both receive here).
  const [sender, receiver] = condition.impaired === "publisher" ? [there, here] : [here, there];
  const conclave = await conclaveCall(sender, receiver);
  const anchor = await direct(sender, receiver);
  impair(lan, { name: "clean", impaired: "receiver" });
  const c = conclave.impaired;
  return {
    condition: condition.name,
    conclave: c,
    direct: anchor,
    ratio: {
      fps: ratio(c.fps, anchor.fps),
      freezeSeconds: ratio(c.freezeSecondsPerMinute, anchor.freezeSecondsPerMinute),
      kbps: ratio(c.kbps, anchor.kbps),
    },
    conclaveOtherReceiver: conclave.other,
    conclavePublisher: conclave.sending,
  };
}

const results = [];
try {
  for (const condition of CONDITIONS) {
    if (values.only && !values.only.includes(condition.name)) continue;
    console.error(`bench:network: ${condition.name}`);
    // One condition that fails (a join timed out on the loaded machine) does not lose the others.
    const result = await run(condition).catch((error: Error) => {
      impair(lan, { name: "clean", impaired: "receiver" });
      return { condition: condition.name, error: error.message.split("\n")[0] };
    });
    console.error(`bench:network: ${JSON.stringify(result)}`);
    results.push(result);
  }
} finally {
  await here.close();
  await lan.close();
  await server.stop();
  pages.server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      seconds,
      warmup,
      clip: "720p30",
      serverPriority: values["server-priority"],
      results,
    },
    null,
    2,
  ),
);
