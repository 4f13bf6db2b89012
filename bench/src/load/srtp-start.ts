import { isMedia, isRtcp, RTCDtlsTransport, RtcpPacketConverter } from "werift";

/**
 * Replaces werift's SRTP start on every connection of this load process. RTCP is still decrypted
 * and dispatched, so a publisher hears keyframe requests; each SRTP packet goes to the handler
 * that `onStart` made for its transport, as it came: the SRTP header (RFC 3711 §3.1) is in clear,
 * so counting needs no decryption. Only for load processes.
 */
export function replaceSrtpStart(
  onStart: (transport: RTCDtlsTransport) => (data: Buffer) => void,
): void {
  RTCDtlsTransport.prototype.startSrtp = function (this: RTCDtlsTransport) {
    if (this.srtpStarted) return;
    this.srtpStarted = true;
    this.updateSrtpSession();
    const onRtp = onStart(this);
    this.iceTransport.connection.onData.subscribe((data: Buffer) => {
      if (!isMedia(data)) return;
      if (isRtcp(data)) {
        try {
          for (const rtcp of RtcpPacketConverter.deSerialize(this.srtcp.decrypt(data)))
            this.onRtcp.execute(rtcp);
        } catch {
          // A packet that fails to authenticate or parse is dropped, as werift does.
        }
        return;
      }
      if (data.length >= 12) onRtp(data);
    });
  };
}
