/**
 * Debian's coturn (`/usr/bin/turnserver`, scripts/install-test-deps.sh), started by a test on an
 * address of its own choosing, as docs/operations.md "TURN" configures it: `use-auth-secret` with
 * the secret the Conclave server shares, so it accepts exactly the credentials the server hands
 * out. Never a system service: its configuration, database and pid file live in a scratch folder
 * that goes with it. The secret is in the configuration file (owner-only), never on a command line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "./wait-for.ts";

export const TURNSERVER = "/usr/bin/turnserver";

/** Why coturn tests cannot run here, or false when they can. */
export function cannotRunCoturn(): string | false {
  return existsSync(TURNSERVER) ? false : "needs coturn (scripts/install-test-deps.sh)";
}

export interface CoturnOptions {
  /** Where it listens and relays from. */
  readonly address: string;
  /** TURN over UDP and TCP. */
  readonly port: number;
  /** TURN over TLS on this port, with this certificate (PEM files). */
  readonly tls?: { readonly port: number; readonly certFile: string; readonly keyFile: string };
  readonly secret: string;
  /** Lets it relay to 127.0.0.0/8, where a loopback-only test server is (never in production). */
  readonly loopbackPeers?: boolean;
}

export interface Coturn {
  /** Every line it logged so far (verbose: a line per TURN request it processed). */
  logs(): string[];
  stop(): Promise<void>;
}

function configuration(options: CoturnOptions, scratch: string): string {
  const { address, port, tls, secret } = options;
  return [
    `listening-ip=${address}`,
    `relay-ip=${address}`,
    `listening-port=${port}`,
    ...(tls
      ? [`tls-listening-port=${tls.port}`, `cert=${tls.certFile}`, `pkey=${tls.keyFile}`]
      : ["no-tls"]),
    "no-dtls",
    "use-auth-secret",
    `static-auth-secret=${secret}`,
    "realm=conclave.test",
    "fingerprint",
    "no-cli",
    "no-multicast-peers",
    ...(options.loopbackPeers ? ["allow-loopback-peers"] : []),
    `log-file=${join(scratch, "turn.log")}`,
    "no-stdout-log",
    "simple-log",
    "verbose",
    `pidfile=${join(scratch, "turnserver.pid")}`,
    `userdb=${join(scratch, "turndb")}`,
    "",
  ].join("\n");
}

/** A port free for both UDP and TCP on `address` now. */
export async function freePort(address: string): Promise<number> {
  for (;;) {
    const tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, address, resolve));
    const { port } = tcp.address() as AddressInfo;
    const udp = createSocket("udp4");
    const free = await new Promise<boolean>((resolve) => {
      udp.once("error", () => resolve(false));
      udp.bind(port, address, () => resolve(true));
    });
    if (free) udp.close();
    await new Promise((resolve) => tcp.close(resolve));
    if (free) return port;
  }
}

/** Starts coturn and resolves once it listens on its port (and its TLS port). */
export async function startCoturn(options: CoturnOptions): Promise<Coturn> {
  const scratch = mkdtempSync(join(tmpdir(), "conclave-coturn-"));
  const file = join(scratch, "turnserver.conf");
  writeFileSync(file, configuration(options, scratch), { mode: 0o600 });
  const child: ChildProcess = spawn(TURNSERVER, ["-c", file], { stdio: "ignore" });
  // Its output to a pipe is block-buffered; its log file is written line by line.
  const logFile = join(scratch, "turn.log");
  const logs = () => {
    try {
      return readFileSync(logFile, "utf8").split("\n").filter(Boolean);
    } catch {
      return [];
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    // Its own log says when each listener is open (a probe connection would show in the log
    // as a client of its own).
    const listeners = [
      `UDP listener opened on: ${options.address}:${options.port}`,
      `TCP listener opened on : ${options.address}:${options.port}`,
      ...(options.tls ? [`TCP listener opened on : ${options.address}:${options.tls.port}`] : []),
    ];
    await waitFor(
      "coturn to listen",
      () => {
        if (child.exitCode !== null) throw new Error(`coturn exited:\n${logs().join("\n")}`);
        const text = logs().join("\n");
        return listeners.every((l) => text.includes(l));
      },
      10_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { logs, stop };
}
