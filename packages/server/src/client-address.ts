import { BlockList, isIP } from "node:net";

/** An address written as IPv4 inside IPv6 (a dual-stack socket's view of an IPv4 peer). */
const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** An address as `isIP` accepts it, without a zone, and IPv4-mapped IPv6 as plain IPv4. */
function plainAddress(raw: string): string | null {
  const address = raw.trim().replace(/%.*$/, "");
  const mapped = MAPPED_IPV4.exec(address);
  if (mapped?.[1] && isIP(mapped[1]) === 4) return mapped[1];
  if (isIP(address) !== 0) return address;
  // Some proxies write the port too: "1.2.3.4:5678", "[2001:db8::1]:5678".
  const withPort = /^\[([^\]]+)\](?::\d+)?$|^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address);
  const inner = withPort?.[1] ?? withPort?.[2];
  return inner !== undefined && isIP(inner) !== 0 ? plainAddress(inner) : null;
}

/** Whether `entry` is an address or a CIDR block TRUSTED_PROXIES accepts. */
export function isProxyRule(entry: string): boolean {
  const [address, prefix, extra] = entry.split("/");
  if (address === undefined || extra !== undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/**
 * Marks a connection another node of the deployment passed on to this one, the meeting's owner
 * (forwarded-connection.ts): it is never passed on again. A client that sends it only loses that.
 */
export const FORWARDED_HEADER = "x-conclave-forwarded";

/**
 * Who a connection comes from, for the per-address budgets and caps (docs/operations.md "Behind
 * a reverse proxy"). The socket's peer, unless that peer is one of TRUSTED_PROXIES: then the
 * X-Forwarded-For hops are read from the right (the hop the nearest proxy appended) and the first
 * that is not a trusted proxy is the client. Hops further left were written by the client itself
 * and are never believed. A hop that is not an address ends the walk: the proxy that passed it on
 * stands for the client.
 */
export class ClientAddresses {
  private readonly trusted = new BlockList();

  constructor(proxies: readonly string[]) {
    for (const rule of proxies) {
      const [address = "", prefix] = rule.split("/");
      const family = isIP(address) === 6 ? "ipv6" : "ipv4";
      if (prefix === undefined) this.trusted.addAddress(address, family);
      else this.trusted.addSubnet(address, Number(prefix), family);
    }
  }

  of(peer: string | undefined, forwardedFor: string | readonly string[] | undefined): string {
    let client = plainAddress(peer ?? "") ?? "unknown";
    if (!this.isTrusted(client) || forwardedFor === undefined) return client;
    const hops = (typeof forwardedFor === "string" ? forwardedFor : forwardedFor.join(","))
      .split(",")
      .filter((hop) => hop.trim() !== "");
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = plainAddress(hops[i] ?? "");
      if (hop === null) return client;
      client = hop;
      if (!this.isTrusted(hop)) return hop;
    }
    return client;
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.trusted.check(address, family === 6 ? "ipv6" : "ipv4");
  }
}

/**
 * What per-address limits count under: an IPv4 address whole, an IPv6 address by its /64, which
 * one subscriber usually holds entire (so a stranger cannot take a fresh budget per address).
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = "", tail] = address.split("::");
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const width = (list: string[]) => list.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const zeros = tail === undefined ? 0 : 8 - width(left) - width(right);
  const full = [...left, ...Array<string>(zeros).fill("0"), ...right];
  return `${full
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}
