/**
 * The hostile server's attacks (packages/server/src/attacks/), by the name ATTACKS switches them
 * on with. Apart from their code so that config.ts can check names without loading any of it.
 */
export const ATTACK_NAMES = [
  "forge-proof",
  "strip-proof",
  "fake-group",
  "inject-frames",
  "relabel-frames",
  "withhold-remove",
  "phantom-participant",
  "corrupt-frames",
  "starve-member",
  "replay-commit",
  "reorder-commits",
  "rename",
  "replay-key-package",
  "replay-roles",
  "phantom-self",
  "false-leave",
  "fake-removed",
  "swap-upload",
  "forge-rollback",
  "repeated-nonce",
] as const;

export type AttackName = (typeof ATTACK_NAMES)[number];
