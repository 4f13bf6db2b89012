import { isIP } from "node:net";
import { hostname, networkInterfaces } from "node:os";

/** Whether a listener on `host` answers on every address of the machine. */
export function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "";
}

export function isLoopback(address: string): boolean {
  return address === "::1" || address === "localhost" || address.startsWith("127.");
}

/**
 * The machine's IPv4 addresses, from its interfaces now: the others on its networks, loopback
 * last. Link-local addresses (169.254/16) are left out: no other machine is meant to reach them.
 */
export function interfaceAddresses(): string[] {
  const found: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family !== "IPv4" || entry.address.startsWith("169.254.")) continue;
      if (!found.includes(entry.address)) found.push(entry.address);
    }
  }
  return [...found.filter((a) => !isLoopback(a)), ...found.filter(isLoopback)];
}

/** The IPv4 addresses a listener on `host` answers on: all of the machine's for a wildcard. */
export function servedAddresses(host: string): string[] {
  if (isWildcard(host)) return interfaceAddresses();
  if (host === "localhost") return ["127.0.0.1"];
  return isIP(host) === 4 ? [host] : [];
}

/** The machine's name, as other machines on a home or office network may know it. */
export function machineName(): string | null {
  const name = hostname().trim();
  return /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(name) && name !== "localhost" ? name : null;
}
