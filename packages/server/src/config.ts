import { isIP } from "node:net";
import { availableParallelism, hostname } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MAX_RELAY_URLS, TURN_URL_PATTERN } from "@conclave/protocol";
import { ATTACK_NAMES, type AttackName } from "./attacks/names.ts";
import type { Caps } from "./capacity.ts";
import { isProxyRule } from "./client-address.ts";
import type { CoordinationConfig } from "./coordination/coordination.ts";
import type { TurnRelay } from "./turn-relay.ts";

/** Everything the server can be told, read once from the environment and validated at start. */
export interface Config {
  readonly host: string;
  readonly port: number;
  /**
   * Processes that run meetings (WORKERS, one per core by default): 1 runs everything in this
   * process; more start a primary that serves the app and routes each meeting to one worker
   * (cluster/), each on its own slice of the media port range.
   */
  readonly workers: number;
  /**
   * HTTPS and WSS: with PEM files, or with a certificate the server makes for itself and keeps in
   * `dir` (self-signed-certificate.ts); null speaks plain HTTP.
   */
  readonly tls:
    | { readonly kind: "files"; readonly certFile: string; readonly keyFile: string }
    | { readonly kind: "self-signed"; readonly dir: string }
    | null;
  /** Where the server keeps what it makes for itself (its certificate). */
  readonly dataDir: string;
  readonly webRoot: string;
  /** Extra ICE host candidates: the public address behind a 1:1 NAT, or loopback. */
  readonly announcedAddresses: readonly string[];
  readonly rtcPortRange: readonly [number, number] | null;
  /** ICE over TCP beside UDP: a passive TCP candidate per connection and address (ICE_TCP). */
  readonly iceTcp: boolean;
  /** The TURN relay whose credentials participants get (turn-relay.ts); null for none. */
  readonly turn: TurnRelay | null;
  readonly maxParticipants: number;
  /**
   * New joins are refused (SERVER_BUSY) while the event loop's median delay is over this, in ms:
   * the forwarding thread is saturated (event-loop-load.ts). 0 never refuses.
   */
  readonly maxEventLoopDelayMs: number;
  readonly keyframeIntervalMs: number;
  readonly drainTimeoutMs: number;
  /** Close connections that are not MLS members after this long; 0 turns it off. */
  readonly mlsJoinGraceMs: number;
  /** How long a dropped member's place, or a dropped knock, is held; 0 turns it off. */
  readonly reconnectWindowMs: number;
  /** Per client address and minute (a burst of as many): joins, knocks, wrong server keys. */
  readonly budgets: {
    readonly joins: number;
    readonly knocks: number;
    readonly gateFailures: number;
  };
  /** Proxies whose X-Forwarded-For names the client (addresses or CIDR blocks). */
  readonly trustedProxies: readonly string[];
  /** Open connections, open meetings and held bytes, in all and per client address. */
  readonly caps: Caps;
  /** Where /metrics is served: its own loopback address by default, and/or behind a token. */
  readonly metrics: {
    readonly address: { readonly host: string; readonly port: number } | null;
    readonly token: string | null;
  };
  /**
   * Several machines sharing Redis (REDIS_URL, docs/operations.md "Several machines"): each
   * meeting runs on the node holding its lease, and its state is written through Redis so another
   * node carries it on if this one dies. Null: one machine, no Redis.
   */
  readonly redis: CoordinationConfig | null;
  /** Test-only: a file that records everything received (packages/server/src/capture.ts). */
  readonly captureFile: string | null;
  /**
   * Test-only: the hostile server's attacks to switch on (packages/server/src/attacks/); refused
   * unless HOSTILE_SERVER_TEST=1 is set too. Never in production.
   */
  readonly attacks: readonly AttackName[];
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL("../../web/dist", import.meta.url));
/** The repository's `data/` folder, which git ignores. */
const DEFAULT_DATA_DIR = fileURLToPath(new URL("../../../data", import.meta.url));
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const MIB = 1024 * 1024;

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw !== "on" && raw !== "off")
    throw new ConfigError(`${name} must be "on" or "off", not "${raw}"`);
  return raw === "on";
}

function list(env: NodeJS.ProcessEnv, name: string, fallback = ""): string[] {
  return (env[name] ?? fallback)
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
}

function tlsOf(env: NodeJS.ProcessEnv, dataDir: string): Config["tls"] {
  const certFile = env.TLS_CERT_FILE;
  const keyFile = env.TLS_KEY_FILE;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ConfigError("set both TLS_CERT_FILE and TLS_KEY_FILE, or neither");
  }
  const https = env.HTTPS ?? "off";
  if (https !== "off" && https !== "self-signed") {
    throw new ConfigError(`HTTPS must be "self-signed" or "off", not "${https}"`);
  }
  if (https === "self-signed") {
    if (certFile) throw new ConfigError("set HTTPS=self-signed or TLS_CERT_FILE, not both");
    return { kind: "self-signed", dir: join(dataDir, "tls") };
  }
  return certFile && keyFile ? { kind: "files", certFile, keyFile } : null;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.DATA_DIR || DEFAULT_DATA_DIR);
  const minPort = integer(env, "RTC_MIN_PORT", 0, 0, 65535);
  const maxPort = integer(env, "RTC_MAX_PORT", 0, 0, 65535);
  if ((minPort === 0) !== (maxPort === 0) || minPort > maxPort) {
    throw new ConfigError("set RTC_MIN_PORT and RTC_MAX_PORT together, with min <= max");
  }
  const logLevel = env.LOG_LEVEL ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const announced = list(env, "ANNOUNCED_ADDRESSES", "127.0.0.1");
  for (const address of announced) {
    if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(address)) {
      throw new ConfigError(`ANNOUNCED_ADDRESSES holds "${address}", which is not an IPv4 address`);
    }
  }
  const workers = integer(env, "WORKERS", availableParallelism(), 1, 256);
  if (minPort && maxPort - minPort + 1 < workers) {
    throw new ConfigError(
      `RTC_MIN_PORT-RTC_MAX_PORT holds fewer ports than WORKERS (${workers}): each worker needs its own slice`,
    );
  }
  return {
    attacks: attacksOf(env),
    workers,
    host: env.HOST ?? "0.0.0.0",
    port: integer(env, "PORT", 8080, 0, 65535),
    tls: tlsOf(env, dataDir),
    dataDir,
    webRoot: env.WEB_ROOT ?? DEFAULT_WEB_ROOT,
    announcedAddresses: announced,
    rtcPortRange: minPort ? [minPort, maxPort] : null,
    iceTcp: onOff(env, "ICE_TCP", true),
    turn: turnOf(env),
    maxParticipants: integer(env, "MAX_PARTICIPANTS", 100, 2, 1000),
    maxEventLoopDelayMs: integer(env, "MAX_EVENT_LOOP_DELAY_MS", 50, 0, 10_000),
    keyframeIntervalMs: integer(env, "KEYFRAME_INTERVAL_MS", 1000, 100, 60_000),
    drainTimeoutMs: integer(env, "DRAIN_TIMEOUT_MS", 10_000, 0, 600_000),
    mlsJoinGraceMs: integer(env, "MLS_JOIN_GRACE_MS", 60_000, 0, 3_600_000),
    reconnectWindowMs: integer(env, "RECONNECT_WINDOW_MS", 30_000, 0, 600_000),
    budgets: {
      joins: integer(env, "JOINS_PER_MINUTE", 120, 1, 100_000),
      knocks: integer(env, "KNOCKS_PER_MINUTE", 10, 1, 100_000),
      gateFailures: integer(env, "GATE_FAILURES_PER_MINUTE", 10, 1, 100_000),
    },
    trustedProxies: trustedProxiesOf(env),
    caps: capsOf(env),
    metrics: metricsOf(env),
    captureFile: env.CAPTURE_FILE || null,
    redis: redisOf(env),
    logLevel: logLevel as Config["logLevel"],
  };
}

/** One day, the TURN REST convention's suggestion: credentials must outlive the longest call. */
const DEFAULT_TURN_CREDENTIAL_TTL_S = 86_400;

function turnOf(env: NodeJS.ProcessEnv): TurnRelay | null {
  const urls = list(env, "TURN_URLS");
  const secret = env.TURN_SECRET ?? "";
  if (urls.length === 0) {
    if (secret) throw new ConfigError("TURN_SECRET is set but TURN_URLS is not");
    return null;
  }
  if (urls.length > MAX_RELAY_URLS) {
    throw new ConfigError(`TURN_URLS holds more than ${MAX_RELAY_URLS} URLs`);
  }
  for (const url of urls) {
    if (!TURN_URL_PATTERN.test(url)) {
      throw new ConfigError(
        `TURN_URLS holds "${url}", which is not turn:host[:port][?transport=udp|tcp] or turns:…`,
      );
    }
  }
  // The secret is never echoed, not even in part.
  if (secret.length < 16) {
    throw new ConfigError("TURN_SECRET must be set, at least 16 characters, with TURN_URLS");
  }
  return {
    urls,
    secret,
    credentialTtlSeconds: integer(
      env,
      "TURN_CREDENTIAL_TTL_S",
      DEFAULT_TURN_CREDENTIAL_TTL_S,
      60,
      7 * 86_400,
    ),
  };
}

function redisOf(env: NodeJS.ProcessEnv): CoordinationConfig | null {
  const url = env.REDIS_URL ?? "";
  if (!url) return null;
  if (!/^rediss?:\/\/[^\s]+$/.test(url)) {
    throw new ConfigError("REDIS_URL must be redis://[user:password@]host:port[/db] or rediss://…");
  }
  // The node's own id among those sharing Redis: the machine's name unless set.
  const nodeId =
    env.NODE_ID ||
    hostname()
      .replace(/[^A-Za-z0-9_.:-]/g, "-")
      .slice(0, 48) ||
    "node";
  if (!/^[A-Za-z0-9_.:-]{1,48}$/.test(nodeId)) {
    throw new ConfigError(`NODE_ID must be 1-48 letters, digits, _ . : -, not "${nodeId}"`);
  }
  const nodeUrl = env.NODE_URL || null;
  if (nodeUrl !== null && !/^wss?:\/\/[^\s/]+\/ws$/.test(nodeUrl)) {
    throw new ConfigError(
      `NODE_URL must be ws://host:port/ws or wss://host:port/ws, not "${nodeUrl}"`,
    );
  }
  return { url, nodeId, leaseTtlMs: integer(env, "LEASE_TTL_MS", 5000, 300, 120_000), nodeUrl };
}

function trustedProxiesOf(env: NodeJS.ProcessEnv): string[] {
  const proxies = list(env, "TRUSTED_PROXIES");
  for (const proxy of proxies) {
    if (!isProxyRule(proxy)) {
      throw new ConfigError(
        `TRUSTED_PROXIES holds "${proxy}", which is not an IP address or a CIDR block`,
      );
    }
  }
  return proxies;
}

function capsOf(env: NodeJS.ProcessEnv): Caps {
  const cap = (name: string, total: number, perAddress: number, max: number) => {
    const caps = {
      total: integer(env, `MAX_${name}`, total, 1, max),
      perAddress: integer(env, `MAX_${name}_PER_ADDRESS`, perAddress, 1, max),
    };
    if (caps.perAddress > caps.total) {
      throw new ConfigError(`MAX_${name}_PER_ADDRESS must not be above MAX_${name}`);
    }
    return caps;
  };
  const held = cap("HELD_MIB", 256, 32, 65_536);
  return {
    // Per address: enough for an office behind one NAT, far below what would crowd others out.
    connections: cap("CONNECTIONS", 4000, 200, 1_000_000),
    rooms: cap("ROOMS", 1000, 50, 1_000_000),
    heldBytes: { total: held.total * MIB, perAddress: held.perAddress * MIB },
  };
}

function metricsOf(env: NodeJS.ProcessEnv): Config["metrics"] {
  const raw = env.METRICS_ADDRESS ?? "127.0.0.1:9464";
  const token = env.METRICS_TOKEN || null;
  if (token !== null && token.length < 16) {
    throw new ConfigError("METRICS_TOKEN must be at least 16 characters");
  }
  if (raw === "off") return { address: null, token };
  const match = /^(.+):(\d+)$/.exec(raw);
  const host = match?.[1]?.replace(/^\[(.*)\]$/, "$1") ?? "";
  const port = Number(match?.[2]);
  if (!match || isIP(host) === 0 || !Number.isInteger(port) || port > 65535) {
    throw new ConfigError(`METRICS_ADDRESS must be "ip:port" or "off", not "${raw}"`);
  }
  return { address: { host, port }, token };
}

function attacksOf(env: NodeJS.ProcessEnv): readonly AttackName[] {
  const names = list(env, "ATTACKS");
  if (names.length === 0) return [];
  // Two variables, so that one stray setting cannot turn a real server hostile.
  if (env.HOSTILE_SERVER_TEST !== "1") {
    throw new ConfigError("ATTACKS is for tests only and needs HOSTILE_SERVER_TEST=1");
  }
  for (const name of names) {
    if (!(ATTACK_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError(`ATTACKS holds "${name}"; known: ${ATTACK_NAMES.join(", ")}`);
    }
  }
  return names as AttackName[];
}

/**
 * The configuration as it may be printed: paths and numbers only, the metrics token and the TURN
 * secret hidden.
 */
export function describeConfig(config: Config): Record<string, unknown> {
  return {
    ...config,
    tls: config.tls?.kind ?? "off",
    turn: config.turn && { ...config.turn, secret: "set" },
    metrics: { ...config.metrics, token: config.metrics.token ? "set" : "unset" },
    // A password in the URL is never printed.
    redis: config.redis && {
      ...config.redis,
      url: config.redis.url.replace(/\/\/[^@/]*@/, "//…@"),
    },
  };
}
