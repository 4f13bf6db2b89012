/**
 * Another machine on the network, for browser tests: a Linux network namespace joined to this one
 * by a veth pair, with its own address, its own firewall (nftables) and a Chromium that runs inside
 * it. Made and removed by the test itself; needs root (CI runs as root). Only the addresses of the
 * pair are ever a target (FIELD-NOTES "Impaired networks").
 */
import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type LaunchOptions } from "playwright-core";
import { CHROMIUM_ARGS } from "./browser.ts";

/** Why the namespace tests cannot run here, or null when they can. */
export function cannotMakeNamespaces(): string | null {
  if (process.getuid?.() !== 0) return "network namespaces need root";
  try {
    execFileSync("nft", ["--version"], { stdio: "ignore" });
    execFileSync("ip", ["-V"], { stdio: "ignore" });
  } catch {
    return "needs ip (iproute2) and nft (scripts/install-test-deps.sh)";
  }
  return null;
}

function run(command: string, ...args: string[]): string {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A /24 in 10.0.0.0/8 that no interface of this machine uses yet. */
function freeSubnet(): string {
  const used = run("ip", "-o", "-4", "addr");
  for (;;) {
    const subnet = `10.${randomInt(64, 250)}.${randomInt(1, 250)}`;
    if (!used.includes(` ${subnet}.`)) return subnet;
  }
}

/**
 * A token bucket on `link`'s egress: `kbit` kbit/s, a burst of 10 ms at that rate (at least one
 * full-size packet) and up to 200 ms of queue, like a home link's buffer; null removes it.
 */
function shape(tc: (...args: string[]) => string, link: string, kbit: number | null): void {
  try {
    tc("qdisc", "del", "dev", link, "root");
  } catch {
    // No qdisc yet.
  }
  if (kbit === null) return;
  const burstBytes = Math.max(1600, Math.round((kbit * 1000) / 8 / 100));
  tc(
    "qdisc",
    "add",
    "dev",
    link,
    "root",
    "tbf",
    "rate",
    `${kbit}kbit`,
    "burst",
    String(burstBytes),
    "latency",
    "200ms",
  );
}

/** Turns IPv6 off through its sysctl file; a kernel without IPv6 has none, and nothing to do. */
function noIpv6(file: string): void {
  if (existsSync(file)) writeFileSync(file, "1");
}

export class NetworkNamespace {
  /** This machine's address on the pair: where the other machine reaches it. */
  readonly hostAddress: string;
  /** The other machine's address now (see moveTo). */
  address: string;
  private readonly subnet: string;
  private readonly hostLink: string;
  /** Its end of the pair, as named inside it. */
  readonly nsLink: string;
  private readonly scratch = mkdtempSync(join(tmpdir(), "conclave-netns-"));
  private readonly browsers: Browser[] = [];

  private constructor(readonly name: string) {
    this.subnet = freeSubnet();
    this.hostAddress = `${this.subnet}.1`;
    this.address = `${this.subnet}.2`;
    const tag = name.slice(-9);
    this.hostLink = `${tag}h`;
    this.nsLink = `${tag}n`;
  }

  /** A new namespace, joined to this machine by a veth pair with both ends up. */
  static create(): NetworkNamespace {
    const ns = new NetworkNamespace(`ccl${process.pid % 100_000}x${randomInt(1000)}`);
    try {
      ns.setUp();
    } catch (error) {
      ns.remove();
      throw error;
    }
    return ns;
  }

  private setUp(): void {
    run("ip", "netns", "add", this.name);
    run("ip", "link", "add", this.hostLink, "type", "veth", "peer", "name", this.nsLink);
    run("ip", "link", "set", this.nsLink, "netns", this.name);
    // No IPv6 on the pair: its link-local address would appear a second or two after the link
    // comes up, and Chromium fails a navigation under way then with ERR_NETWORK_CHANGED.
    noIpv6(`/proc/sys/net/ipv6/conf/${this.hostLink}/disable_ipv6`);
    this.exec("sh", "-c", "for f in /proc/sys/net/ipv6/conf/*/disable_ipv6; do echo 1 > $f; done");
    run("ip", "addr", "add", `${this.hostAddress}/24`, "dev", this.hostLink);
    run("ip", "link", "set", this.hostLink, "up");
    this.exec("ip", "addr", "add", `${this.address}/24`, "dev", this.nsLink);
    this.exec("ip", "link", "set", this.nsLink, "up");
    this.exec("ip", "link", "set", "lo", "up");
  }

  /** Another address on this machine's side of the pair (a second server on the same network). */
  addHostAddress(): string {
    const address = `${this.subnet}.${randomInt(10, 200)}`;
    run("ip", "addr", "add", `${address}/24`, "dev", this.hostLink);
    return address;
  }

  /** Runs a command inside the namespace. */
  exec(command: string, ...args: string[]): string {
    return run("ip", "netns", "exec", this.name, command, ...args);
  }

  /**
   * Its firewall: an nftables ruleset (nft -f syntax) loaded inside the namespace, replacing the
   * one before. Rules in an `output` hook make the browser's sends fail at once, as a firewall
   * that rejects does.
   */
  firewall(ruleset: string): void {
    const file = join(this.scratch, "ruleset.nft");
    writeFileSync(file, `flush ruleset\n${ruleset}\n`);
    this.exec("nft", "-f", file);
  }

  /**
   * The other machine moves: its address is replaced by a new one on the same network, as when a
   * laptop changes networks. The old one goes first: Linux deletes the secondary addresses of a
   * subnet with its primary, so adding the new one first would leave none.
   */
  moveTo(): string {
    let next = this.address;
    while (next === this.address) next = `${this.subnet}.${randomInt(3, 250)}`;
    this.exec("ip", "addr", "del", `${this.address}/24`, "dev", this.nsLink);
    this.exec("ip", "addr", "add", `${next}/24`, "dev", this.nsLink);
    this.address = next;
    return next;
  }

  /**
   * Caps the other machine's downlink (what this machine sends it) at `kbit` kbit/s with a token
   * bucket (tc tbf) on this side of the pair; null removes the cap. A full bucket drops, as a
   * narrow link does.
   */
  capDownlink(kbit: number | null): void {
    shape((...args) => run("tc", ...args), this.hostLink, kbit);
  }

  /**
   * Drops `percent` of the UDP packets the other machine receives and of those it sends, at
   * random (nftables `numgen random`: the input hook inside the namespace, and a netdev egress
   * hook on its end of the pair for the other way; an output-hook drop would fail the send with
   * EPERM, not lose the packet: FIELD-NOTES "Impaired networks"); null or 0 for none. It replaces
   * the namespace's firewall.
   */
  loseUdp(percent: number | null): void {
    this.firewall(
      !percent
        ? ""
        : `table inet loss {
  chain in {
    type filter hook input priority 0; policy accept;
    meta l4proto udp numgen random mod 100 < ${percent} drop
  }
}
table netdev lossout {
  chain out {
    type filter hook egress device "${this.nsLink}" priority 0; policy accept;
    meta l4proto udp numgen random mod 100 < ${percent} drop
  }
}`,
    );
  }

  /** Caps the other machine's uplink (what it sends) at `kbit` kbit/s, on its side of the pair. */
  capUplink(kbit: number | null): void {
    shape((...args) => this.exec("tc", ...args), this.nsLink, kbit);
  }

  /** Debian's Chromium, running inside the namespace (playwright drives it over a pipe). */
  async launchChromium(
    args: readonly string[] = [],
    options: LaunchOptions = {},
  ): Promise<Browser> {
    const wrapper = join(this.scratch, "chromium");
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${this.name} /usr/bin/chromium "$@"\n`);
    chmodSync(wrapper, 0o755);
    const browser = await chromium.launch({
      ...options,
      executablePath: wrapper,
      args: [...CHROMIUM_ARGS, ...args],
    });
    this.browsers.push(browser);
    return browser;
  }

  /** Closes its browsers and removes the namespace and the pair; safe to call twice. */
  async close(): Promise<void> {
    await Promise.all(this.browsers.splice(0).map((b) => b.close().catch(() => {})));
    this.remove();
  }

  private remove(): void {
    for (const args of [
      ["link", "del", this.hostLink],
      ["netns", "del", this.name],
    ]) {
      try {
        run("ip", ...args);
      } catch {
        // Already gone.
      }
    }
    rmSync(this.scratch, { recursive: true, force: true });
  }
}
