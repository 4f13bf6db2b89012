import type { ClientMessage, ServerMessage } from "@conclave/protocol";
import type { Logger } from "../logger.ts";
import type { Attack, AttackedSession } from "./attack.ts";
import type { AttackName } from "./names.ts";

/** Loaded only when ATTACKS is set: a production server never imports attack code. */
const LOADERS: Record<AttackName, () => Promise<Attack>> = {
  "forge-proof": async () => (await import("./forge-proof.ts")).forgeProof,
  "strip-proof": async () => (await import("./strip-proof.ts")).stripProof,
  "fake-group": async () => (await import("./fake-group.ts")).fakeGroup(),
  "inject-frames": async () => (await import("./inject-frames.ts")).injectFrames,
  "relabel-frames": async () => (await import("./relabel-frames.ts")).relabelFrames(),
  "withhold-remove": async () => (await import("./withhold-remove.ts")).withholdRemove,
  "phantom-participant": async () => (await import("./phantom-participant.ts")).phantomParticipant,
  "corrupt-frames": async () => (await import("./corrupt-frames.ts")).corruptFrames(),
  "starve-member": async () => (await import("./starve-member.ts")).starveMember(),
  "replay-commit": async () => (await import("./replay-commit.ts")).replayCommit(),
  "reorder-commits": async () => (await import("./reorder-commits.ts")).reorderCommits(),
  rename: async () => (await import("./rename.ts")).rename(),
  "replay-key-package": async () => (await import("./replay-key-package.ts")).replayKeyPackage(),
  "replay-roles": async () => (await import("./replay-roles.ts")).replayRoles(),
  "phantom-self": async () => (await import("./phantom-self.ts")).phantomSelf(),
  "false-leave": async () => (await import("./false-leave.ts")).falseLeave(),
  "fake-removed": async () => (await import("./fake-removed.ts")).fakeRemoved(),
  "swap-upload": async () => (await import("./swap-upload.ts")).swapUpload(),
  "forge-rollback": async () => (await import("./forge-rollback.ts")).forgeRollback(),
  "repeated-nonce": async () => (await import("./repeated-nonce.ts")).repeatedNonce(),
};

/**
 * The test-only hostile server (docs/operations.md: never in production): the attacks ATTACKS
 * names, applied in that order at the server's one interception seam (../interception.ts: what
 * it receives, what it sends, the media it forwards). Every application is counted and logged at
 * `warn` as "attack applied" (first, then every 100th), with the attack's name and count and
 * nothing else.
 */
export class HostileServer {
  private readonly counts = new Map<AttackName, number>();

  private constructor(
    private readonly attacks: ReadonlyArray<readonly [AttackName, Attack]>,
    private readonly log: Logger,
  ) {}

  static async load(names: readonly AttackName[], log: Logger): Promise<HostileServer> {
    const attacks: Array<readonly [AttackName, Attack]> = [];
    for (const name of names) attacks.push([name, await LOADERS[name]()]);
    log.warn({ attacks: names }, "ATTACKS is set: this server attacks its clients, for tests only");
    return new HostileServer(attacks, log);
  }

  async inbound(from: AttackedSession, message: ClientMessage): Promise<ClientMessage | null> {
    let current: ClientMessage | null = message;
    for (const [name, attack] of this.attacks) {
      if (current === null || !attack.inbound) continue;
      current = await attack.inbound(from, current, () => this.applied(name));
    }
    return current;
  }

  outbound(to: AttackedSession, message: ServerMessage): ServerMessage[] {
    let current = [message];
    for (const [name, attack] of this.attacks) {
      const hook = attack.outbound;
      if (!hook) continue;
      current = current.flatMap((m) => hook.call(attack, to, m, () => this.applied(name)));
    }
    return current;
  }

  packet(room: string, publisher: string, kind: "audio" | "video", bytes: Buffer): Buffer | null {
    let current: Buffer | null = bytes;
    for (const [name, attack] of this.attacks) {
      if (current === null || !attack.packet) continue;
      current = attack.packet(room, publisher, kind, current, () => this.applied(name));
    }
    return current;
  }

  private applied(name: AttackName): void {
    const count = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, count);
    if (count === 1 || count % 100 === 0) this.log.warn({ attack: name, count }, "attack applied");
  }
}
