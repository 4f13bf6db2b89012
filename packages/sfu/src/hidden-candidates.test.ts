import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isHiddenCandidate, withoutHiddenCandidates } from "./hidden-candidates.ts";

const hidden =
  "candidate:0 1 UDP 2122252543 3f0c6c55-3a4e-4b5a-9d3c-8f1d7e2b1a90.local 51234 typ host";
const visible = "candidate:1 1 UDP 2122187007 192.168.1.20 51235 typ host";

describe("hidden (mDNS) ICE candidates", () => {
  it("tells an mDNS host name from an address, in a trickled candidate or an SDP line", () => {
    assert.equal(isHiddenCandidate(hidden), true);
    assert.equal(isHiddenCandidate(`a=${hidden}`), true);
    assert.equal(isHiddenCandidate(hidden.replace(".local", ".LOCAL")), true);
    assert.equal(isHiddenCandidate(visible), false);
    assert.equal(isHiddenCandidate("candidate:2 1 UDP 1 local 9 typ host"), false);
    assert.equal(isHiddenCandidate(""), false);
  });

  it("drops hidden candidates and end-of-candidates from an SDP, and keeps every other line", () => {
    const sdp = [
      "v=0",
      "m=audio 9 UDP/TLS/RTP/SAVPF 109",
      `a=${hidden}`,
      `a=${visible}`,
      "a=end-of-candidates",
      "a=mid:0",
      "",
    ].join("\r\n");
    assert.equal(
      withoutHiddenCandidates(sdp),
      ["v=0", "m=audio 9 UDP/TLS/RTP/SAVPF 109", `a=${visible}`, "a=mid:0", ""].join("\r\n"),
    );
  });

  it("leaves an SDP without hidden candidates as it is, end-of-candidates included", () => {
    const sdp = ["v=0", `a=${visible}`, "a=end-of-candidates", ""].join("\r\n");
    assert.equal(withoutHiddenCandidates(sdp), sdp);
  });
});
