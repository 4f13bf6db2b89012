import { after } from "node:test";
import { type Bot, type BotOptions, joinBot } from "@conclave/bot";
import { newRoom } from "../signalling-client.ts";
import { type ServerProcess, startServer } from "../start-server.ts";
import { waitFor } from "../wait-for.ts";

/**
 * The real server with attacks switched on (packages/server/src/attacks/). Both variables are
 * needed; the server refuses ATTACKS alone.
 */
export function startHostileServer(attacks: readonly string[]): Promise<ServerProcess> {
  return startServer({ ATTACKS: attacks.join(","), HOSTILE_SERVER_TEST: "1" });
}

/**
 * How often the server says it applied `attack` (its "attack applied" log lines, the first and
 * every 100th): a test that sees no attack proves nothing about resisting it.
 */
export function attackCount(server: ServerProcess, attack: string): number {
  let count = 0;
  for (const line of server.logs) {
    if (!line.includes('"msg":"attack applied"')) continue;
    const entry = JSON.parse(line) as { attack?: string; count?: number };
    if (entry.attack === attack) count = Math.max(count, entry.count ?? 0);
  }
  return count;
}

/** A meeting on a server under test, for one `describe`: its bots are closed after it. */
export interface HostileRoom {
  readonly server: ServerProcess;
  readonly url: string;
  /** Every bot joined here so far. */
  readonly bots: readonly Bot[];
  join(name: string, options?: Partial<BotOptions>): Promise<Bot>;
}

/**
 * Registers the clean-up and returns how to start the room. Bots join with `defaults`; with
 * `admitted`, each join waits until every bot here has everyone in its roster.
 */
export function hostileRoom(
  start: () => Promise<ServerProcess>,
  { admitted = false, ...defaults }: Partial<BotOptions> & { admitted?: boolean } = {},
): () => Promise<HostileRoom> {
  const bots: Bot[] = [];
  let server: ServerProcess | undefined;
  after(async () => {
    for (const bot of bots) bot.close();
    await server?.stop();
  });
  return async () => {
    server ??= await start();
    const room = await newRoom();
    const url = `${server.url}/m/${room.roomId}#${room.secret}`;
    const join = async (name: string, options: Partial<BotOptions> = {}) => {
      const bot = await joinBot({ url, name, ...defaults, ...options });
      bots.push(bot);
      if (admitted) {
        await waitFor(`${name} to be admitted`, () =>
          bots.every((b) => (b.stats().e2ee?.roster.length ?? 0) === bots.length),
        );
      }
      return bot;
    };
    return { server, url, bots, join };
  };
}

/** Every bot on one epoch, unchanged for 1.5 s (joiners' first updates are over). */
export async function settled(bots: readonly Bot[]): Promise<void> {
  let seen = "";
  let since = Date.now();
  await waitFor("the group to settle", () => {
    const now = bots.map((b) => b.stats().e2ee?.epoch).join();
    if (now !== seen) [seen, since] = [now, Date.now()];
    return Date.now() - since > 1500 && new Set(seen.split(",")).size === 1;
  });
}
