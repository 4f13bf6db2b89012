import type { Bot } from "@conclave/bot";

/** What the tests and benches read from bots in a meeting. */

/** Frames `receiver` decrypted from `sender` so far (by sender leaf); 0 before `sender` has one. */
export function decryptedFrom(receiver: Bot, sender: Bot): number {
  const leaf = sender.crypto.member.ownLeaf;
  return leaf === undefined
    ? 0
    : (receiver.stats().e2ee?.frames.senders[String(leaf)]?.decrypted ?? 0);
}

/** 16 bytes of the bot's MLS exporter (RFC 9420 §8.5), hex: equal for members of one epoch. */
export async function exported(bot: Bot): Promise<string> {
  const secret = await bot.crypto.member.exportSecret("conclave test", new Uint8Array(), 16);
  return Buffer.from(secret ?? []).toString("hex");
}
