import type { ParticipantId, SubscribedTrack } from "@conclave/protocol";
import type { RTCPeerConnection } from "werift";
import { ReceiveLedger, type RemoteStats } from "./receive-ledger.ts";

/**
 * The receiving connection. The server's offers arrive here; `tracks` maps each m-line to a
 * publisher, and every packet is counted against the publisher its m-line carries *now*: m-lines
 * are reused for new publishers, so the map is replaced on every offer.
 */
export class Subscriber {
  private readonly ledger: ReceiveLedger;
  private midMap = new Map<string, SubscribedTrack>();
  /** Packets on an m-line no offer maps (in flight around a re-negotiation), or that failed. */
  unmappedPackets = 0;
  /** Packets of others' screen shares: the bot counts them and decodes only cameras and mics. */
  screenPackets = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly pc: RTCPeerConnection,
    requestKeyframe: (publisher: ParticipantId) => void,
    onFrame: (track: SubscribedTrack, frame: Uint8Array) => void = () => {},
  ) {
    this.ledger = new ReceiveLedger(requestKeyframe, onFrame);
    pc.ontrack = ({ track, transceiver }) => {
      track.onReceiveRtp.subscribe(({ header, payload }) => {
        const mapped = transceiver.mid === null ? undefined : this.midMap.get(transceiver.mid);
        if (!mapped) {
          this.unmappedPackets++;
          return;
        }
        if (mapped.source === "screen" || mapped.source === "screenAudio") {
          this.screenPackets++;
          return;
        }
        // Inside werift's event loop: nothing may escape from here.
        try {
          this.ledger.record(mapped, { ...header, payload }, performance.now());
        } catch {
          this.unmappedPackets++;
        }
      });
    };
    this.timer = setInterval(() => this.ledger.checkKeyframes(performance.now()), 250);
    this.timer.unref();
  }

  /** Applies the server's offer and returns our answer (without candidates yet). */
  async answer(sdp: string, tracks: readonly SubscribedTrack[]): Promise<void> {
    this.midMap = new Map(tracks.map((t) => [t.mid, t]));
    await this.pc.setRemoteDescription({ type: "offer", sdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
  }

  stats(): Record<string, RemoteStats> {
    return this.ledger.stats();
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    return this.pc.close();
  }
}
