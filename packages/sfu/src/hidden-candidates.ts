/**
 * Candidates whose address is an mDNS name (`<uuid>.local`, draft-ietf-mmusic-mdns-ice-candidates):
 * Firefox, and Chromium without camera or microphone permission, hide their host addresses this
 * way. The server is not on the browser's link, so a multicast lookup cannot succeed, and werift's
 * lookup blocks for 10 s before giving up. The browser's connectivity checks to the server's own
 * candidates reveal its address anyway, as a peer-reflexive candidate (RFC 8445 §7.3.1.3), so the
 * SFU leaves such names alone.
 */

/** The connection-address field of an ICE candidate attribute (RFC 8839 §5.1). */
function candidateAddress(candidate: string): string | undefined {
  return candidate.replace(/^a=/, "").split(" ")[4];
}

export function isHiddenCandidate(candidate: string): boolean {
  return candidateAddress(candidate)?.toLowerCase().endsWith(".local") === true;
}

/**
 * The SDP without its hidden candidates. An `a=end-of-candidates` goes too: after it werift stops
 * checking once its list is empty, before the browser's checks have revealed a peer-reflexive one.
 */
export function withoutHiddenCandidates(sdp: string): string {
  const lines = sdp.split("\r\n");
  if (!lines.some((line) => line.startsWith("a=candidate:") && isHiddenCandidate(line))) {
    return sdp;
  }
  return lines
    .filter(
      (line) =>
        line !== "a=end-of-candidates" &&
        !(line.startsWith("a=candidate:") && isHiddenCandidate(line)),
    )
    .join("\r\n");
}
