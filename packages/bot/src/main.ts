/**
 * npm run bot -- <meeting-url> --name Bot [--seconds N] [--no-publish] [--relay-only]
 *
 * --relay-only sends and receives media only through the TURN relay the server hands out: a
 * check that the relay works for participants behind firewalls that block UDP.
 *
 * Joins, prints one JSON stats line every 5 s and a final one on exit (SIGINT, SIGTERM or after
 * N seconds), exit 0. A bad link, a refusal by the server or a lost connection: a message with the
 * error code on stderr, exit 1.
 */
import { parseArgs } from "node:util";
import type { Bot } from "./bot.ts";
import { joinBot } from "./bot.ts";
import { isBotError, ServerRefusedError } from "./errors.ts";

const STATS_INTERVAL_MS = 5000;
const USAGE =
  "usage: npm run bot -- <meeting-url> --name <name> [--seconds N] [--no-publish] [--relay-only]";

function fail(message: string): never {
  process.stderr.write(`bot: ${message}\n`);
  process.exit(1);
}

function parseCommandLine(): {
  url: string;
  name: string;
  seconds: number | null;
  publish: boolean;
  relayOnly: boolean;
} {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    fail(`USAGE: ${(error as Error).message}\n${USAGE}`);
  }
  const [url, ...rest] = parsed.positionals;
  if (!url || rest.length > 0) fail(`USAGE: give exactly one meeting link\n${USAGE}`);
  const seconds = parsed.values.seconds === undefined ? null : Number(parsed.values.seconds);
  if (seconds !== null && !(Number.isFinite(seconds) && seconds > 0)) {
    fail(`USAGE: --seconds must be a positive number\n${USAGE}`);
  }
  return {
    url,
    name: parsed.values.name ?? "Bot",
    seconds,
    publish: !parsed.values["no-publish"],
    relayOnly: parsed.values["relay-only"] ?? false,
  };
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      name: { type: "string" },
      seconds: { type: "string" },
      "no-publish": { type: "boolean" },
      "relay-only": { type: "boolean" },
    },
  });
}

function print(bot: Bot, final: boolean): void {
  process.stdout.write(
    `${JSON.stringify({ final, time: new Date().toISOString(), ...bot.stats() })}\n`,
  );
}

async function main(): Promise<void> {
  const args = parseCommandLine();
  let bot: Bot;
  try {
    bot = await joinBot({
      url: args.url,
      name: args.name,
      publish: args.publish,
      relayOnly: args.relayOnly,
    });
  } catch (error) {
    // ServerRefusedError's message starts with the server's code, e.g. "ROOM_FULL: ...".
    if (error instanceof ServerRefusedError) fail(`SERVER_REFUSED: ${error.message}`);
    if (isBotError(error)) fail(`${error.code}: ${error.message}`);
    throw error;
  }
  const ticker = setInterval(() => print(bot, false), STATS_INTERVAL_MS);
  let finishing = false;
  const finish = async (code: number) => {
    if (finishing) return;
    finishing = true;
    clearInterval(ticker);
    await bot.leave();
    print(bot, true);
    process.exit(code);
  };
  bot.on("closed", (code, reason, expected) => {
    if (expected || finishing) return;
    finishing = true;
    clearInterval(ticker);
    // leave() after a lost socket says nothing and just closes the media, so the line is final.
    void bot.leave().then(() => {
      print(bot, true);
      fail(
        `CONNECTION_FAILED: the server closed the connection (${code}${reason ? ` ${reason}` : ""})`,
      );
    });
  });
  bot.on("server-error", (code, message) =>
    process.stderr.write(`bot: server error ${code}: ${message}\n`),
  );
  process.once("SIGINT", () => void finish(0));
  process.once("SIGTERM", () => void finish(0));
  if (args.seconds !== null) setTimeout(() => void finish(0), args.seconds * 1000);
}

main().catch((error: unknown) =>
  fail(`INTERNAL: ${error instanceof Error ? error.stack : String(error)}`),
);
