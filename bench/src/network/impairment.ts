/**
 * The network conditions of the benchmark, applied to the namespace pair (e2e/network-namespace.ts):
 * random UDP loss both ways with nftables, bandwidth caps with tc tbf.
 */
import type { NetworkNamespace } from "../../../e2e/network-namespace.ts";

export interface Condition {
  readonly name: string;
  /** Which side is on the impaired machine: the one receiver measured, or the publisher. */
  readonly impaired: "receiver" | "publisher";
  readonly lossPercent?: number;
  readonly downlinkKbit?: number;
  readonly uplinkKbit?: number;
}

export const CONDITIONS: readonly Condition[] = [
  { name: "clean", impaired: "receiver" },
  { name: "loss 5 %", impaired: "receiver", lossPercent: 5 },
  { name: "loss 10 %", impaired: "receiver", lossPercent: 10 },
  { name: "receiver 1 Mbit/s", impaired: "receiver", downlinkKbit: 1000 },
  { name: "receiver 300 kbit/s", impaired: "receiver", downlinkKbit: 300 },
  { name: "publisher 500 kbit/s", impaired: "publisher", uplinkKbit: 500 },
];

export function impair(lan: NetworkNamespace, condition: Condition): void {
  lan.capDownlink(condition.downlinkKbit ?? null);
  lan.capUplink(condition.uplinkKbit ?? null);
  lan.loseUdp(condition.lossPercent ?? null);
}
