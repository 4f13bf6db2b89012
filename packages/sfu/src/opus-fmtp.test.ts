import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { withOpusFecAndDtx } from "./opus-fmtp.ts";

const SDP = [
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "a=rtpmap:111 opus/48000/2",
  "a=fmtp:111 minptime=10;useinbandfec=1",
  "m=video 9 UDP/TLS/RTP/SAVPF 96",
  "a=rtpmap:96 VP8/90000",
  "a=fmtp:96 max-fr=30",
  "",
].join("\r\n");

describe("Opus FEC and DTX in the SFU's answers (RFC 7587 §6.1)", () => {
  it("adds usedtx=1 to Opus and leaves other codecs alone", () => {
    const out = withOpusFecAndDtx(SDP);
    assert.match(out, /^a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r$/m);
    assert.match(out, /^a=fmtp:96 max-fr=30\r$/m);
  });

  it("adds FEC when the offer had none, and changes nothing twice", () => {
    const once = withOpusFecAndDtx(SDP.replace(";useinbandfec=1", ""));
    assert.match(once, /^a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r$/m);
    assert.equal(withOpusFecAndDtx(once), once);
  });
});
