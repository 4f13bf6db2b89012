import { decodeMlsMessage, type MLSMessage } from "ts-mls";
import { type RoomSettings, settingsOf } from "./room-settings.ts";

/**
 * What the Delivery Service may read of an MLSMessage: its public framing only (RFC 9420 §6).
 * Nothing here needs, or could use, a key.
 */
export type Framing =
  | { readonly kind: "key-package"; readonly initKey: string }
  | { readonly kind: "welcome" }
  | {
      readonly kind: "commit";
      readonly groupId: string;
      readonly epoch: bigint;
      readonly senderLeaf: number;
      readonly removes: readonly number[];
      /** init keys of the KeyPackages added, in commit order */
      readonly adds: readonly string[];
      /** the settings its roles extension sets, if it changes the group context */
      readonly settings: RoomSettings | undefined;
    }
  | { readonly kind: "application"; readonly groupId: string; readonly epoch: bigint };

export type FramingResult =
  | { readonly ok: true; readonly framing: Framing }
  | { readonly ok: false; readonly reason: string };

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function decodeWhole(bytes: Uint8Array): MLSMessage | null {
  try {
    const decoded = decodeMlsMessage(bytes, 0);
    // Trailing bytes would let two encodings of one message pass as different.
    if (!decoded || decoded[1] !== bytes.length) return null;
    return decoded[0];
  } catch {
    return null;
  }
}

/** Reads the public framing of an MLSMessage, or says why it is not one the service relays. */
export function readFraming(bytes: Uint8Array): FramingResult {
  const message = decodeWhole(bytes);
  if (!message) return { ok: false, reason: "not an MLSMessage" };
  if (message.version !== "mls10") return { ok: false, reason: "not MLS 1.0" };
  switch (message.wireformat) {
    case "mls_key_package":
      return {
        ok: true,
        framing: { kind: "key-package", initKey: hex(message.keyPackage.initKey) },
      };
    case "mls_welcome":
      return { ok: true, framing: { kind: "welcome" } };
    case "mls_private_message": {
      const { groupId, epoch, contentType } = message.privateMessage;
      // Handshake messages must be public so the service can order them (docs/e2ee.md).
      if (contentType !== "application")
        return { ok: false, reason: "handshake messages must be PublicMessages" };
      return { ok: true, framing: { kind: "application", groupId: hex(groupId), epoch } };
    }
    case "mls_public_message": {
      const { content } = message.publicMessage;
      if (content.contentType !== "commit")
        return { ok: false, reason: "only commits are sent as PublicMessages" };
      if (content.sender.senderType !== "member")
        return { ok: false, reason: "commit not from a member" };
      const removes: number[] = [];
      const adds: string[] = [];
      let settings: RoomSettings | undefined;
      for (const item of content.commit.proposals) {
        if (item.proposalOrRefType !== "proposal")
          return { ok: false, reason: "proposals must be by value" };
        const proposal = item.proposal;
        if (proposal.proposalType === "remove") removes.push(proposal.remove.removed);
        else if (proposal.proposalType === "add") adds.push(hex(proposal.add.keyPackage.initKey));
        // Roles and settings change no leaf; members check them, we follow only the flags.
        else if (proposal.proposalType === "group_context_extensions")
          settings = settingsOf(proposal.groupContextExtensions.extensions) ?? settings;
        else if (proposal.proposalType !== "update")
          return { ok: false, reason: `${proposal.proposalType} proposals are not allowed` };
      }
      return {
        ok: true,
        framing: {
          kind: "commit",
          groupId: hex(content.groupId),
          epoch: content.epoch,
          senderLeaf: content.sender.leafIndex,
          removes,
          adds,
          settings,
        },
      };
    }
    default:
      return { ok: false, reason: `${message.wireformat} is not relayed` };
  }
}
