/**
 * Which way a peer connection's media goes, read from its stats (W3C webrtc-stats §7,
 * RTCIceCandidatePairStats and RTCIceCandidateStats): straight to the server, or through the TURN
 * relay, and over what. Diagnostics shows it, so a participant behind a firewall (and whoever
 * helps them) can see that the relay is what carries their call.
 */

export interface MediaPath {
  /** `direct`: a host or server-reflexive candidate of ours; `relay`: a TURN allocation. */
  readonly route: "direct" | "relay";
  /** How our packets leave this machine: to the server (direct), or to the relay. */
  readonly transport: "udp" | "tcp" | "tls";
}

type Stats = Readonly<Record<string, unknown>>;

/** The path of the pair the transport selected; null while none is. */
export function mediaPathOf(report: ReadonlyMap<string, Stats>): MediaPath | null {
  let pairId: unknown = null;
  for (const s of report.values()) {
    if (s.type === "transport" && typeof s.selectedCandidatePairId === "string") {
      pairId = s.selectedCandidatePairId;
    }
  }
  const pair = typeof pairId === "string" ? report.get(pairId) : undefined;
  const local =
    typeof pair?.localCandidateId === "string" ? report.get(pair.localCandidateId) : undefined;
  if (!local) return null;
  if (local.candidateType === "relay") {
    const relayProtocol = local.relayProtocol;
    const transport = relayProtocol === "tcp" || relayProtocol === "tls" ? relayProtocol : "udp";
    return { route: "relay", transport };
  }
  return { route: "direct", transport: local.protocol === "tcp" ? "tcp" : "udp" };
}

export async function readMediaPath(pc: RTCPeerConnection | null): Promise<MediaPath | null> {
  if (!pc) return null;
  return mediaPathOf((await pc.getStats()) as unknown as ReadonlyMap<string, Stats>);
}

/** "direct, UDP" or "through the relay, TLS". */
export function describeMediaPath(path: MediaPath | null): string {
  if (!path) return "not connected";
  const how = path.transport.toUpperCase();
  return path.route === "relay" ? `through the relay, ${how}` : `direct, ${how}`;
}
