import type { ClientMessage, ParticipantId, RoomId, ServerMessage } from "@conclave/protocol";
import type { PacketInterceptor } from "@conclave/sfu";

/** One joined connection as an interception sees it. */
export interface InterceptedConnection {
  readonly room: RoomId;
  readonly id: ParticipantId;
  /** Sends to this connection, past the interception. */
  send(message: ServerMessage): void;
  /** Closes its socket, as the server does after a final error; the meeting sees it drop. */
  close(): void;
}

/**
 * The one seam where something may stand between the server and its clients: what a joined
 * connection sends before the server handles it, what the server sends it, and the media the SFU
 * forwards. Production runs HONEST, which passes everything through; only the test-only hostile
 * server (packages/server/src/attacks/, docs/e2ee.md "The hostile-server harness") is another,
 * and the server has no other branch for it.
 */
export interface Interception {
  /** The message to handle instead (null: none). */
  inbound(
    from: InterceptedConnection,
    message: ClientMessage,
  ): ClientMessage | null | Promise<ClientMessage | null>;
  /** What to send instead (none, it, or others). */
  outbound(to: InterceptedConnection, message: ServerMessage): readonly ServerMessage[];
  /** Media packets, before they are forwarded; undefined forwards them untouched. */
  readonly packet: PacketInterceptor | undefined;
}

/** The honest server: everything passes as it is. */
export const HONEST: Interception = {
  inbound: (_from, message) => message,
  outbound: (_to, message) => [message],
  packet: undefined,
};
