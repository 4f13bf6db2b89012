import type { Sfu } from "@conclave/sfu";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { Capacity } from "./capacity.ts";
import type { EventLoopLoad } from "./event-loop-load.ts";

/**
 * Prometheus metrics at /metrics (METRICS_ADDRESS, or METRICS_TOKEN): counts and sizes only, never
 * ids, addresses, names or content.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  readonly signallingErrors = new Counter({
    name: "conclave_signalling_errors_total",
    help: "Error replies sent, by code",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly iceCandidates = new Counter({
    name: "conclave_ice_candidates_total",
    help: "Trickled ICE candidates: added, hidden (mDNS names, left out) or failed",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly joins = new Counter({
    name: "conclave_joins_total",
    help: "Participants that joined a room",
    registers: [this.registry],
  });

  constructor(sfu: Sfu, capacity: Capacity, load: EventLoopLoad) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: "conclave_event_loop_delay_seconds",
      help: "Median event-loop delay of the last second; over MAX_EVENT_LOOP_DELAY_MS, new joins are refused",
      registers: [this.registry],
      // In a cluster: the most lagging worker's.
      aggregator: "max",
      collect() {
        this.set(load.delayMs / 1000);
      },
    });
    new Gauge({
      name: "conclave_overloaded",
      help: "1 while new joins are refused (SERVER_BUSY) because the event loop is saturated (in a cluster: workers refusing)",
      registers: [this.registry],
      collect() {
        this.set(load.overloaded ? 1 : 0);
      },
    });
    const used = (name: string, help: string, tally: Capacity["connections"]) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(tally.used);
        },
      });
    used("conclave_connections", "Open signalling connections", capacity.connections);
    used("conclave_held_bytes", "Bytes kept for members who dropped", capacity.heldBytes);
    const stat = (
      name: string,
      help: string,
      pick: (s: ReturnType<Sfu["stats"]>) => number,
      counter: boolean,
    ) =>
      new Gauge({
        name: counter ? `${name}_total` : name,
        help,
        registers: [this.registry],
        collect() {
          this.set(pick(sfu.stats()));
        },
      });
    stat("conclave_rooms", "Meetings open (a participant or a held place)", (s) => s.rooms, false);
    stat(
      "conclave_participants",
      "Participants connected to the media plane",
      (s) => s.peers,
      false,
    );
    stat(
      "conclave_held_media",
      "Media peers kept for participants who dropped and may resume",
      (s) => s.heldPeers,
      false,
    );
    stat(
      "conclave_producers",
      "Published tracks of connected participants",
      (s) => s.producers,
      false,
    );
    stat(
      "conclave_sfu_packets_in",
      "RTP packets received from publishers",
      (s) => s.packetsIn,
      true,
    );
    stat(
      "conclave_sfu_packets_forwarded",
      "RTP packets written to receivers",
      (s) => s.packetsOut,
      true,
    );
    stat(
      "conclave_sfu_bytes_in",
      "RTP payload bytes received from publishers",
      (s) => s.bytesIn,
      true,
    );
    stat(
      "conclave_sfu_keyframe_requests",
      "Keyframe requests from receivers",
      (s) => s.keyframesRequested,
      true,
    );
    stat(
      "conclave_sfu_keyframes_sent",
      "Keyframe requests sent to publishers after rate limiting",
      (s) => s.keyframesSent,
      true,
    );
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
