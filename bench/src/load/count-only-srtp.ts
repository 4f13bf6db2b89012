import { replaceSrtpStart } from "./srtp-start.ts";

/**
 * What this load process received: RTP packets, never decrypted, and per receiving transport the
 * packets of each SSRC (SSRCs are only unique per connection).
 */
export const received = { packets: 0, transports: [] as Map<number, number>[] };

/** Streams that received at least one packet. */
export function streamsReceived(): number {
  return received.transports.reduce((n, streams) => n + streams.size, 0);
}

/**
 * Makes every werift connection in this process count incoming SRTP instead of decrypting it:
 * the SRTP header (RFC 3711 §3.1) leaves the SSRC in clear, which is all a count needs. A bench
 * receiver then costs a socket read and a header read per packet, so the server under test, not
 * the load generator, is what saturates. RTCP is still decrypted and dispatched, so a publisher
 * hears keyframe requests. Only for load processes: nothing received here is checked.
 */
export function countOnlySrtp(): void {
  replaceSrtpStart(() => {
    const streams = new Map<number, number>();
    received.transports.push(streams);
    return (data) => {
      received.packets++;
      const ssrc = data.readUInt32BE(8);
      streams.set(ssrc, (streams.get(ssrc) ?? 0) + 1);
    };
  });
}
