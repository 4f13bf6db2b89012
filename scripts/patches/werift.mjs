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
      // A received packet is cloned once per receiver it goes to: copy the header's fields into the
      // new header directly, without first spreading them into a throwaway object.
      "RtpPacket.clone: one header object per clone, not two",
      "return new _RtpPacket(new RtpHeader({ ...this.header }), this.payload);",
      "return new _RtpPacket(Object.assign(new RtpHeader(), this.header), this.payload);",
    ],
    [
      // The original listed the keys of `sentInfo` ("wideSeq", "size", ...), not of `sentInfos`,
      // so its filter never matched and it deleted nothing: per packet sent, four arrays and a sort
      // for no effect. What it did is kept: record the packet.
      "senderBWE.rtpPacketSent: records the packet, without the loop that deleted nothing",
      `  rtpPacketSent(sentInfo) {
    Object.keys(sentInfo).map((v) => Number(v)).sort().filter((seq) => seq < sentInfo.wideSeq).forEach((seq) => {
      delete this.sentInfos[seq];
    });
    this.sentInfos[sentInfo.wideSeq] = sentInfo;`,
      `  rtpPacketSent(sentInfo) {
    this.sentInfos[sentInfo.wideSeq] = sentInfo;`,
    ],
    [
      // Per RTP packet sent, the sender awaited the DTLS transport, which awaited the ICE
      // connection, which awaited the protocol, which awaited the UDP transport: five promises
      // and as many microtask turns around one synchronous socket.send. dispatchRtp now runs to
      // the end at once (sendRtp still returns a promise for its callers); a packet that cannot go
      // synchronously (TCP, TURN, a host name) still takes the awaited path.
      "RTCRtpSender.dispatchRtp: synchronous",
      `  async dispatchRtp(rtp) {
    if (!this.canSendRtp()) {`,
      `  dispatchRtp(rtp) {
    if (!this.canSendRtp()) {`,
    ],
    [
      // The same change's end: its RTCP loop is started once, not asked per packet (an async call
      // that returned at once, a promise each time).
      "RTCRtpSender.dispatchRtp: sends through sendRtpNow",
      `    const size = await this.dtlsTransport.sendRtp(rtpPayload, header);
    this.runRtcp();`,
      `    const size = this.dtlsTransport.sendRtpNow(rtpPayload, header);
    if (!this.rtcpRunning) this.runRtcp();`,
    ],
    [
      "RTCDtlsTransport.sendRtpNow: encrypts and sends an RTP packet without a promise",
      `  async sendRtcp(packets) {
    const payload = Buffer.concat(packets.map((packet) => packet.serialize()));`,
      `  /** sendRtp without waiting: returns the bytes sent (0 if encryption failed). */
  sendRtpNow(payload, header) {
    try {
      const enc = this.srtp.encrypt(payload, header);
      if (this.config.debug?.outboundPacketLoss && this.config.debug?.outboundPacketLoss / 100 < Math.random()) {
        return enc.length;
      }
      this.bytesSent += enc.length;
      this.packetsSent++;
      this.iceTransport.connection.sendNow(enc);
      return enc.length;
    } catch (error) {
      log26("failed to send", error);
      return 0;
    }
  }
  async sendRtcp(packets) {
    const payload = Buffer.concat(packets.map((packet) => packet.serialize()));`,
    ],
    [
      // As send above it: counted once handed to the socket; a failure drops the packet only.
      "ICE Connection.sendNow: a datagram sent synchronously when the nominated pair allows it",
      `  getDefaultCandidate() {
    const candidates = this.localCandidates.sort(`,
      `  sendNow(data) {
    if (!this.canSendApplicationData()) {
      return;
    }
    const activePair = this.nominated;
    try {
      if (!activePair.protocol.sendDataNow?.(data, activePair.remoteAddr)) {
        this.send(data).catch(() => {
        });
        return;
      }
    } catch {
      return;
    }
    activePair.packetsSent++;
    activePair.bytesSent += data.length;
  }
  getDefaultCandidate() {
    const candidates = this.localCandidates.sort(`,
    ],
    [
      "StunProtocol.sendDataNow: sendData, synchronous over UDP; false when it cannot be",
      `  async sendData(data, addr) {
    if (this.transport.closed) {
      return;
    }
    await this.transport.send(data, addr);
  }
  async request(`,
      `  async sendData(data, addr) {
    if (this.transport.closed) {
      return;
    }
    await this.transport.send(data, addr);
  }
  sendDataNow(data, addr) {
    if (this.transport.closed) {
      return true;
    }
    return this.transport.sendNow?.(data, addr) ?? false;
  }
  async request(`,
    ],
    [
      // Node's dgram still resolves even an IP address on the next tick, so the datagrams of one
      // turn of the event loop go out together after it. Sent at once instead, between two
      // encryptions, each cost the sender about 1.5 µs more in the kernel (a loopback receiver
      // woken per packet rather than per burst: docs/performance.md), so that stays as it is.
      "UdpTransport.sendNow: send to an IP address, synchronous; false for a host name",
      `  get address() {
    return this.socket.address();
  }
  /** IP family of the bound socket`,
      `  sendNow(data, addr) {
    if (addr && !net.isIP(addr[0])) {
      return false;
    }
    addr = addr ?? [this.rinfo?.address, this.rinfo?.port];
    this.socket.send(data, addr[1], addr[0]);
    return true;
  }
  get address() {
    return this.socket.address();
  }
  /** IP family of the bound socket`,
    ],
    [
      // The receiving legs negotiate no header extension and the SFU forwards packets without
      // theirs (packages/sfu/src/producer.ts): then the extensions are an empty list, without the
      // copy, map and filter that make one per packet.
      "RTCRtpSender.dispatchRtp: no extension arrays when there are no extensions",
      `    const originalHeaderExtensions = [...header.extensions];
    header.extensions = this.headerExtensions.map((extension) => {`,
      `    const originalHeaderExtensions = header.extensions.length === 0 ? header.extensions : [...header.extensions];
    header.extensions = this.headerExtensions.length === 0 ? [] : this.headerExtensions.map((extension) => {`,
    ],
    [
      // RTCP (reports, feedback, NACKs, keyframe requests) goes out as RTP does: handed to the
      // socket at once, not through a promise per layer.
      "RTCDtlsTransport.sendRtcp: sends through sendNow",
      `    this.packetsSent++;
    await this.iceTransport.connection.send(enc).catch(() => {
    });
  }`,
      `    this.packetsSent++;
    this.iceTransport.connection.sendNow(enc);
  }`,
    ],
    [
      // A sender kept the NTP time of its last packet as a BigInt made per packet, read only by
      // its next sender report (RFC 3550 §6.4.1), about once a second: it keeps the time in
      // milliseconds now, made into NTP format when read.
      "ntpTime: of a given time, by default now",
      `var ntpTime = () => {
  const now = performance2.timeOrigin + performance2.now() - Date.UTC(1900, 0, 1);`,
      `var ntpTime = (epochMs = performance2.timeOrigin + performance2.now()) => {
  const now = epochMs - Date.UTC(1900, 0, 1);`,
    ],
    [
      "RTCRtpSender.ntpTimestamp: made from the last packet's time when read",
      `  ntpTimestamp = 0n;
  rtpTimestamp = 0;`,
      `  lastPacketEpochMs;
  get ntpTimestamp() {
    return this.lastPacketEpochMs === void 0 ? 0n : ntpTime(this.lastPacketEpochMs);
  }
  rtpTimestamp = 0;`,
    ],
    [
      "RTCRtpSender.dispatchRtp: the packet's time in milliseconds",
      "    const ntpTimestamp = ntpTime();",
      "    const epochMs = performance2.timeOrigin + performance2.now();",
    ],
    [
      "RTCRtpSender.dispatchRtp: abs-send-time from it",
      "            return serializeAbsSendTime(ntpTimestamp);",
      "            return serializeAbsSendTime(ntpTime(epochMs));",
    ],
    [
      "RTCRtpSender.dispatchRtp: keeps it",
      "    this.ntpTimestamp = ntpTimestamp;",
      "    this.lastPacketEpochMs = epochMs;",
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
