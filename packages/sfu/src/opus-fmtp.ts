/**
 * The SFU's answers ask publishers for Opus in-band FEC and DTX (RFC 7587 §6.1: `useinbandfec=1`
 * says the receiver can use FEC, `usedtx=1` that it prefers DTX). werift answers with the
 * offer's Opus parameters, which carry neither DTX nor, from some browsers, FEC; this adds them to
 * each Opus payload type's fmtp line of an SDP.
 */
export function withOpusFecAndDtx(sdp: string): string {
  const opus = new Set(
    [...sdp.matchAll(/^a=rtpmap:(\d+) opus\/48000/gim)].map((match) => match[1] as string),
  );
  return sdp.replace(/^a=fmtp:(\d+) (.*?)(\r?)$/gm, (line, pt: string, params: string, cr) => {
    if (!opus.has(pt)) return line;
    const present = new Set(params.split(";").map((p) => p.split("=")[0]?.trim()));
    const added = ["useinbandfec=1", "usedtx=1"].filter((p) => !present.has(p.split("=")[0]));
    return added.length === 0 ? line : `a=fmtp:${pt} ${[params, ...added].join(";")}${cr}`;
  });
}
