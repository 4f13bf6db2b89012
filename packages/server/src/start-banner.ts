import { isLoopback } from "./machine-addresses.ts";

/** Where the server can be reached, as the start banner tells it. */
export interface Reach {
  readonly scheme: "http" | "https";
  readonly port: number;
  /** Whether the listener answers on loopback (so `localhost` works on this machine). */
  readonly local: boolean;
  /** Addresses other machines can use: LAN addresses, then the machine's name if it has one. */
  readonly others: readonly string[];
  /** Set when the server made its own certificate: people compare this before trusting it. */
  readonly selfSignedFingerprint: string | null;
  /** What media needs open in a firewall, said in one line. */
  readonly media: string;
  /** The TURN relays handed to participants; empty when none is configured. */
  readonly relays: readonly string[];
}

/**
 * Browsers give camera and microphone only to secure origins: https, and http on loopback names
 * (W3C Secure Contexts §3.1, "potentially trustworthy origin").
 */
export function worksForCamera(scheme: "http" | "https", host: string): boolean {
  return scheme === "https" || isLoopback(host);
}

function url(reach: Reach, host: string): string {
  const bracketed = host.includes(":") ? `[${host}]` : host;
  return `${reach.scheme}://${bracketed}:${reach.port}`;
}

function row(label: string, reach: Reach, host: string): string {
  const verdict = worksForCamera(reach.scheme, host)
    ? "camera and microphone work"
    : "no camera or microphone: not https";
  return `  ${label.padEnd(22)}${url(reach, host).padEnd(34)}${verdict}`;
}

/**
 * What `npm start` prints for people (the JSON logs are for operators): the addresses to open
 * here and from other machines, whether each gives camera and microphone, and what to do if not.
 */
export function startBanner(reach: Reach): string {
  const lines = ["", "Conclave is running. Open one of these in a browser:", ""];
  if (reach.local) lines.push(row("on this machine", reach, "localhost"));
  reach.others.forEach((host, i) => {
    lines.push(row(i === 0 ? "from other machines" : "", reach, host));
  });
  if (reach.others.length === 0) {
    lines.push("  (not reachable from other machines: HOST is a loopback address)");
  }
  lines.push("");
  if (reach.scheme === "http" && reach.others.length > 0) {
    lines.push(
      "Browsers give the camera and microphone only to https:// pages and to localhost. To meet",
      "with other machines, start with HTTPS=self-signed (npm run start:https), or serve it",
      'behind a reverse proxy with a certificate (docs/operations.md, "Beyond localhost").',
      "",
    );
  }
  if (reach.selfSignedFingerprint) {
    lines.push(
      "This server made its own certificate, so each browser warns once that it does not know",
      "it. Check that the certificate's SHA-256 fingerprint is",
      `  ${reach.selfSignedFingerprint}`,
      "then proceed.",
      "",
    );
  }
  lines.push(`Media: ${reach.media}.`);
  if (reach.relays.length > 0) lines.push(`TURN relays: ${reach.relays.join(", ")}.`);
  lines.push("");
  return lines.join("\n");
}
