/** What the SFU counts of the media it forwards, per producer and in total (the server's metrics). */
export interface MediaCounters {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  keyframesRequested: number;
  keyframesSent: number;
}

export function noMedia(): MediaCounters {
  return { packetsIn: 0, packetsOut: 0, bytesIn: 0, keyframesRequested: 0, keyframesSent: 0 };
}

/** Adds `more` into `total`. */
export function addMedia(total: MediaCounters, more: Readonly<MediaCounters>): void {
  total.packetsIn += more.packetsIn;
  total.packetsOut += more.packetsOut;
  total.bytesIn += more.bytesIn;
  total.keyframesRequested += more.keyframesRequested;
  total.keyframesSent += more.keyframesSent;
}
