/**
 * werift 0.25.2's ESM bundle (lib/index.mjs, the file `import "werift"` loads): where the SFU's
 * forwarding path pays for work it does not need, per packet (docs/performance.md has the
 * figures), and where its DTLS handshake breaks on a late duplicate
 * (packages/sfu/src/dtls-handshake.test.ts).
 */
export default {
  name: "werift",
  version: "0.25.2",
  file: "lib/index.mjs",
  /** [why, exact text in the file, replacement] */
  patches: [
    [
      // RtpHeader.deSerialize reads six header fields with it for every packet received and every
      // packet a sender parses; the original built an array of "0"/"1" strings and parsed it back.
      "getBit: bits of a byte by shift and mask, not through strings",
      `function getBit(bits, startIndex, length = 1) {
  let bin = bits.toString(2).split("");
  bin = [...Array(8 - bin.length).fill("0"), ...bin];
  const s = bin.slice(startIndex, startIndex + length).join("");
  const v = Number.parseInt(s, 2);
  return v;
}`,
      `function getBit(bits, startIndex, length = 1) {
  return bits >>> 8 - startIndex - length & (1 << length) - 1;
}`,
    ],
    [
      // Every RTP packet a sender sends takes one (for sender reports and abs-send-time). The
      // original went through a decimal string and wrote the decimal digits as the fraction, which
      // is not NTP's 32.32 fixed point (RFC 3550 §4); this one is.
      "ntpTime: 32.32 fixed point by arithmetic, not through a decimal string",
      `  const seconds = now / 1e3;
  const [sec, msec] = seconds.toString().split(".").map(Number);
  const buf = bufferWriter([4, 4], [sec, msec]);
  return buf.readBigUInt64BE();
};`,
      `  const sec = Math.floor(now / 1e3);
  const fraction = Math.floor((now - sec * 1e3) / 1e3 * 4294967296);
  return BigInt(sec) << 32n | BigInt(fraction);
};`,
    ],
    [
      // The reading side of the same format, for sender reports received and logged.
      "ntpTime2Sec: reads 32.32 fixed point",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: werift's source text, matched as it is
      "  return Number(`${ntpSec}.${ntpMsec}`);",
      "  return ntpSec + ntpMsec / 4294967296;",
    ],
    [
      // RFC 3711 §4.1.1: the packet index is shifted left 16 bits into the counter block; once per
      // packet sent or received, through a BigInt, where a multiplication is exact.
      "SRTP counter block without BigInt",
      "counter.writeUInt32BE(Number(BigInt(sequenceNumber) << 16n), 12);",
      "counter.writeUInt32BE(sequenceNumber * 65536, 12);",
    ],
    [
      // RFC 6347 §4.2.4: a datagram of a flight the server has moved past is a retransmission that
      // arrived late (a loaded peer reads its socket in bursts). werift answered a late first
      // ClientHello with a new random and key pair after its ServerHello had gone out, and any
      // ClientHello after the handshake with a renegotiation: either way the keys stopped matching.
      "DTLS server: a ClientHello of a flight already answered is ignored",
      `            if (this.connected) {
              this.renegotiation();
            }
            const clientHello = ClientHello.deSerialize(handshake.fragment);
            if (clientHello.cookie.length === 0) {`,
      `            const clientHello = ClientHello.deSerialize(handshake.fragment);
            if (this.connected || this.dtls.flight > 4 || this.dtls.flight === 4 && clientHello.cookie.length === 0) {
              log17(this.dtls.sessionId, "late ClientHello ignored");
            } else if (clientHello.cookie.length === 0) {`,
    ],
    [
      // The same on the client: a HelloVerifyRequest that arrives again once the client has answered
      // it threw (at flight 3) or took the client back to flight 3 (later).
      "DTLS client: a HelloVerifyRequest already answered is ignored",
      `        case 3 /* hello_verify_request_3 */:
          {
            const verifyReq`,
      `        case 3 /* hello_verify_request_3 */:
          {
            if (this.connected || this.dtls.flight >= 3) break;
            const verifyReq`,
    ],
  ],
};
