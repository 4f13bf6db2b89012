import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { Capacity } from "../capacity.ts";
import type { MetricsText } from "../http.ts";
import type { MetricsJson } from "./worker-messages.ts";

/**
 * A cluster's /metrics: the primary's own (connections, refusals at its front, workers, restarts,
 * its process) and every worker's (metrics.ts), summed metric by metric with prom-client's
 * aggregator, so one scrape reads the machine as one server. A worker that does not answer in time
 * is left out of that scrape (`conclave_workers_ready` says how many answered).
 */
export class ClusterMetrics implements MetricsText {
  private readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  readonly signallingErrors = new Counter({
    name: "conclave_signalling_errors_total",
    help: "Error replies sent, by code",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly workerRestarts = new Counter({
    name: "conclave_worker_restarts_total",
    help: "Workers that died and were started again (their meetings ended)",
    registers: [this.registry],
  });

  constructor(
    capacity: Capacity,
    private readonly workers: () => Promise<readonly (MetricsJson | null)[]>,
    /** Workers whose last load report said they refuse joins for overload. */
    overloaded: () => number,
  ) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: "conclave_workers_overloaded",
      help: "Workers that last reported overload: they get no new meeting while another does not",
      registers: [this.registry],
      collect() {
        this.set(overloaded());
      },
    });
    new Gauge({
      name: "conclave_connections",
      help: "Open signalling connections",
      registers: [this.registry],
      collect() {
        this.set(capacity.connections.used);
      },
    });
  }

  async text(): Promise<string> {
    const answered = (await this.workers()).filter((m): m is MetricsJson => m !== null);
    const ready = new Registry();
    new Gauge({
      name: "conclave_workers_ready",
      help: "Workers that answered this scrape",
      registers: [ready],
    }).set(answered.length);
    const parts = [
      await this.registry.getMetricsAsJSON(),
      await ready.getMetricsAsJSON(),
      ...answered,
    ];
    // prom-client's aggregate takes its own JSON shape; the workers' was validated on arrival.
    return AggregatorRegistry.aggregate(
      parts as Parameters<typeof AggregatorRegistry.aggregate>[0],
    ).metrics();
  }
}
