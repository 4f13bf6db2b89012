import type { RTCPeerConnection } from "werift";

/** The part of werift's peer connection that sets up its transports after a negotiation. */
interface Connecting {
  connect(): Promise<void>;
}

/**
 * Lets ICE restart on `pc` (docs/protocol.md "Reconnecting"). werift 0.25.2 restarts ICE on new
 * credentials (its pair is forgotten), but the step that starts the transports
 * after a negotiation skips every transport whose DTLS association is up, so the restarted ICE
 * never checks a pair and media stops for good. Here that step first starts each restarted ICE
 * transport; DTLS and SRTP carry on over the pair it finds, as RFC 8445 §2.4 intends.
 */
export function restartableIce(
  pc: RTCPeerConnection,
  /** ICE found a pair again after a restart: what was lost meanwhile needs a keyframe. */
  onRestarted: () => void = () => {},
): RTCPeerConnection {
  const connecting = pc as unknown as Connecting;
  const connect = connecting.connect.bind(pc);
  connecting.connect = async () => {
    const restarted = pc.dtlsTransports.filter(
      (dtls) => dtls.state === "connected" && dtls.iceTransport.connection.nominated === undefined,
    );
    const started = await Promise.allSettled(restarted.map((dtls) => dtls.iceTransport.start()));
    if (started.some((outcome) => outcome.status === "fulfilled")) onRestarted();
    await connect();
  };
  return pc;
}

/** Whether ICE can still restart on `pc`: neither failed nor closed. */
export function canRestartIce(pc: RTCPeerConnection): boolean {
  const state = pc.connectionState;
  return state !== "failed" && state !== "closed";
}
