import { type ServerProcess, startServer } from "../start-server.ts";

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
