/**
 * What members say to each other inside MLS application messages (docs/e2ee.md "Application
 * messages"): the limits that the engine sealing and opening them and the page offering them must
 * agree on. The server never reads these messages; the limits live here because both sides need
 * them and the page does not take in the e2ee package.
 */

/** Longest chat text, in UTF-16 code units. */
export const MAX_CHAT_TEXT = 4000;
/** The emoji a reaction may carry: a small fixed set, so a reaction cannot smuggle text. */
export const REACTIONS = ["👍", "👏", "😂", "❤️", "🎉", "😮"] as const;
export type Reaction = (typeof REACTIONS)[number];
