import {
  type ClientMessage,
  encodeMessage,
  isProtocolError,
  type MediaSource,
  parseClientMessage,
  type ServerMessage,
  SOURCE_KIND,
} from "@conclave/protocol";
import {
  type HostAction,
  type HostCommand,
  type MeetingAccessKeys,
  type PageToWorker,
  type ReceivedTrack,
  receiveMidsMessage,
  refusal,
  type TransformOptions,
  type WorkerToPage,
  WorkerToPageSchema,
} from "../worker/messages.ts";
import type {
  FrameCounts,
  GroupView,
  MediaKind,
  ParticipantFrameCounts,
  RolesView,
  SframeReport,
} from "../worker/reports.ts";
import type { Upload } from "./host-controls.ts";
import { MeetingActivity } from "./meeting-activity.ts";
import type { FrameTransforms } from "./peer-connections.ts";
import { SecurityAlarms } from "./security-alarms.ts";
import { Store } from "./store.ts";

/** How long leaving waits for the worker to send its goodbye. */
const GOODBYE_WAIT_MS = 1000;

export interface E2eeWorkerState {
  readonly totals: readonly FrameCounts[];
  readonly participants: readonly ParticipantFrameCounts[];
  readonly sframe: SframeReport | null;
  readonly lastError: string | null;
  readonly group: GroupView;
  /** receive mid → sender leaf, from the KIDs of authentic frames */
  readonly bindings: Readonly<Record<string, number>>;
  /** Every leaf's name as the MLS roster last showed it, so counts of departed members stay named. */
  readonly leafNames: Readonly<Record<number, string>>;
  /** The last non-fatal problem the MLS engine reported, for diagnostics. */
  readonly memberError: string | null;
  /** Roles and settings of the group context, once known. */
  readonly roles: RolesView | null;
  /** participant id → the KeyPackage it uploaded (waiting to join): device, sealed name */
  readonly uploads: Readonly<Record<string, Upload>>;
}

export interface WorkerHooks {
  /** An MLS client message the engine wants sent, validated against the protocol schema. */
  send(message: ClientMessage): void;
  /** The engine must join again on a new WebSocket. */
  reconnect(reason: string): void;
  /** A host or co-host at `sender`'s leaf asks this of us (its role checked by the engine). */
  hostCommand(sender: number, command: HostCommand): void;
  /** "Remove and block" replaced the invite secret; `secret` is the new one. */
  inviteReplaced(secret: string): void;
}

/** Server messages the engine consumes (docs/e2ee.md); media signalling stays on the page. */
const FOR_ENGINE: ReadonlySet<ServerMessage["type"]> = new Set([
  "welcome",
  "participant-joined",
  "participant-updated",
  "participant-left",
  "error",
  "mls-key-package",
  "mls-commit",
  "mls-welcome",
  "mls-commit-refused",
  "mls-message",
  "mls-rollback",
  "lobby",
  "admitted",
  "knock-ended",
]);
const MLS_CLIENT_TYPES: ReadonlySet<string> = new Set([
  "mls-found",
  "mls-key-package",
  "mls-commit",
  "mls-message",
  "mls-commit-failed",
]);

/** Whether this browser can run Conclave's end-to-end encryption at all. */
export function canTransformMedia(): boolean {
  return typeof globalThis.RTCRtpScriptTransform === "function";
}

/**
 * The page's client of the E2EE worker (worker/media-worker.ts), which holds every secret of the
 * meeting: gives every sender and receiver an encoded transform running in the worker, relays the
 * engine's signalling, and holds what the worker reports (group, roster, code, counts); what
 * members say (chat, hands, reactions, recording) goes to `activity`.
 */
export class E2eeWorkerClient extends Store<E2eeWorkerState> implements FrameTransforms {
  private readonly worker: Worker;
  private readonly attached = new WeakSet<RTCRtpSender | RTCRtpReceiver>();
  private goodbyeSent: (() => void) | null = null;
  private hooks: WorkerHooks | null = null;
  /** Host requests posted and not yet answered by `host-done`, oldest first. */
  private hostPending: { kind: HostAction["kind"]; done: (ok: boolean) => void }[] = [];
  readonly activity = new MeetingActivity((request) => this.post(request));
  /** Alarms and the security log (docs/e2ee.md "Alarms"), for banners and the Security panel. */
  readonly alarms = new SecurityAlarms();

  /**
   * The invite secret goes to the worker, which derives the admit key and keeps it; a knock link
   * has none, only the host's fingerprint it may pin.
   */
  constructor(displayName: string, access: MeetingAccessKeys) {
    super({
      totals: [],
      participants: [],
      sframe: null,
      lastError: null,
      group: {
        status: "starting",
        epoch: null,
        ownLeaf: null,
        securityCode: null,
        ciphersuite: null,
        roster: [],
        failure: null,
        removedBy: null,
      },
      bindings: {},
      leafNames: {},
      memberError: null,
      roles: null,
      uploads: {},
    });
    this.worker = new Worker(new URL("../worker/media-worker.ts", import.meta.url), {
      type: "module",
      name: "conclave-media",
    });
    this.worker.addEventListener("message", (event: MessageEvent<unknown>) => {
      const parsed = WorkerToPageSchema.safeParse(event.data);
      if (parsed.success) this.onWorkerMessage(parsed.data);
      else this.update({ lastError: `worker message refused (${refusal(parsed.error)})` });
    });
    this.worker.addEventListener("error", (event) => {
      this.update({ lastError: `media worker failed: ${event.message}` });
    });
    this.post(
      "pinnedHost" in access
        ? { type: "start-knock", displayName, pinnedHost: access.pinnedHost }
        : {
            type: "start",
            displayName,
            inviteSecret: access.inviteSecret,
            roomId: access.roomId,
          },
    );
  }

  connect(hooks: WorkerHooks): void {
    this.hooks = hooks;
  }

  /** The connection to the server was lost: the engine judges a commit of ours out on it. */
  serverLost(): void {
    this.post({ type: "server-lost" });
  }

  /** Hands a server message to the engine if it is one the engine uses. */
  relay(message: ServerMessage): void {
    if (FOR_ENGINE.has(message.type)) {
      this.post({ type: "server", message: encodeMessage(message) });
    }
  }

  /** Each sender seals its frames with the key of its own source (stream context). */
  attachSender(sender: RTCRtpSender, source: MediaSource): void {
    if (this.attached.has(sender)) return;
    this.attached.add(sender);
    const options: TransformOptions = {
      direction: "send",
      kind: SOURCE_KIND[source],
      mid: null,
      source,
    };
    sender.transform = new RTCRtpScriptTransform(this.worker, options);
  }

  /** Each receiver gets its transform once; m-lines are reused, so its mid is what stays. */
  attachReceiver(receiver: RTCRtpReceiver, kind: MediaKind, mid: string | null): void {
    if (this.attached.has(receiver)) return;
    this.attached.add(receiver);
    const options: TransformOptions = { direction: "recv", kind, mid, source: null };
    receiver.transform = new RTCRtpScriptTransform(this.worker, options);
  }

  /** Whose media each receiving mid carries; the worker checks each m-line's KIDs against it. */
  setReceiveMids(mids: Readonly<Record<string, ReceivedTrack>>): void {
    this.post(receiveMidsMessage(mids));
  }

  /**
   * A host's or co-host's request; the worker's engine checks our role. Resolves once the engine
   * has queued (a commit) or sent (a host command) it: false if it refused.
   */
  host(action: HostAction): Promise<boolean> {
    return new Promise((done) => {
      this.hostPending.push({ kind: action.kind, done });
      this.post({ type: "host", action });
    });
  }

  /**
   * Says goodbye to the group before we leave: resolves once the worker sent it (its MLS message
   * is forwarded first), or after `GOODBYE_WAIT_MS` if the worker does not answer.
   */
  goodbye(): Promise<void> {
    return new Promise((done) => {
      const timer = setTimeout(done, GOODBYE_WAIT_MS);
      this.goodbyeSent = () => {
        clearTimeout(timer);
        done();
      };
      this.post({ type: "goodbye" });
    });
  }

  terminate(): void {
    for (const pending of this.hostPending) pending.done(false);
    this.hostPending = [];
    this.activity.close();
    this.hooks = null;
    this.worker.terminate();
  }

  private onWorkerMessage(message: WorkerToPage): void {
    switch (message.type) {
      case "counts":
        this.update({
          totals: message.totals,
          participants: message.participants,
          sframe: message.sframe,
        });
        return;
      case "transform-error":
        this.update({ lastError: message.message });
        return;
      case "mls-send":
        this.forward(message.message);
        return;
      case "group": {
        const leafNames = { ...this.state.leafNames };
        for (const r of message.group.roster) leafNames[r.leaf] = r.name;
        this.update({ group: message.group, leafNames });
        this.activity.setGroup(message.group);
        this.alarms.setGroup(message.group);
        return;
      }
      case "bindings":
        this.update({ bindings: message.bindings });
        return;
      case "chat":
      case "chat-result":
      case "hand":
      case "reaction":
      case "recording":
        this.activity.receive(message);
        return;
      case "member-error":
        this.update({ memberError: `${message.code}: ${message.message}` });
        return;
      case "reconnect":
        this.hooks?.reconnect(message.reason);
        return;
      case "roles":
        this.update({ roles: message.roles });
        return;
      case "upload":
        this.update({
          uploads: {
            ...this.state.uploads,
            [message.participantId]: {
              fingerprint: message.fingerprint,
              name: message.name,
              keyPackageRef: message.keyPackageRef,
            },
          },
        });
        return;
      case "upload-ended": {
        const { [message.participantId]: _ended, ...uploads } = this.state.uploads;
        this.update({ uploads });
        return;
      }
      case "security-event":
        this.alarms.logEntry(message.event);
        return;
      case "alarm":
        this.alarms.receive(message.alarm);
        return;
      case "host-command":
        this.hooks?.hostCommand(message.sender, message.command);
        return;
      case "invite-replaced":
        this.hooks?.inviteReplaced(message.secret);
        return;
      case "goodbye-sent":
        this.goodbyeSent?.();
        this.goodbyeSent = null;
        return;
      case "host-done": {
        const at = this.hostPending.findIndex((p) => p.kind === message.kind);
        const [pending] = at < 0 ? [] : this.hostPending.splice(at, 1);
        pending?.done(message.ok);
        return;
      }
    }
  }

  /** The worker's MLS message, checked against the protocol before it goes on the wire. */
  private forward(candidate: unknown): void {
    let message: ClientMessage;
    try {
      message = parseClientMessage(JSON.stringify(candidate));
    } catch (error) {
      this.update({
        lastError: `worker sent an invalid message (${isProtocolError(error) ? error.code : "?"})`,
      });
      return;
    }
    if (MLS_CLIENT_TYPES.has(message.type)) this.hooks?.send(message);
  }

  private post(message: PageToWorker): void {
    this.worker.postMessage(message);
  }
}
