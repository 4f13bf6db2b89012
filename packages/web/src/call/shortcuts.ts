/**
 * The meeting's keyboard shortcuts. Each action has a Ctrl (⌘ on a Mac) chord that works anywhere,
 * typing included, and most a single key that works only outside text fields (so typing a message
 * never mutes anyone) and can be turned off (WCAG 2.1.4, character key shortcuts).
 */
export type ShortcutAction = "microphone" | "camera" | "hand" | "chat" | "help";

export interface Shortcut {
  readonly action: ShortcutAction;
  /** What the help dialog shows, e.g. ["Ctrl+D", "M"]. */
  readonly keys: readonly string[];
  readonly description: string;
}

interface Binding {
  readonly action: ShortcutAction;
  /** lower-case key with Ctrl or ⌘ held */
  readonly chord?: string;
  /** key (as `KeyboardEvent.key`) without Ctrl, ⌘ or Alt */
  readonly single?: string;
  readonly description: string;
}

const BINDINGS: readonly Binding[] = [
  { action: "microphone", chord: "d", single: "m", description: "Turn the microphone on or off" },
  { action: "camera", chord: "e", single: "v", description: "Turn the camera on or off" },
  { action: "hand", single: "h", description: "Raise or lower your hand" },
  { action: "chat", single: "c", description: "Open or close the chat" },
  { action: "help", single: "?", description: "Show these keyboard shortcuts" },
];

export const SHORTCUTS: readonly Shortcut[] = BINDINGS.map((b) => ({
  action: b.action,
  keys: [
    ...(b.chord ? [`Ctrl+${b.chord.toUpperCase()}`] : []),
    ...(b.single ? [b.single === "?" ? "?" : b.single.toUpperCase()] : []),
  ],
  description: b.description,
}));

export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  readonly repeat: boolean;
}

export interface ShortcutContext {
  /** Focus is in a text field, a select or an editable element. */
  readonly typing: boolean;
  /** The user has not turned single-key shortcuts off. */
  readonly singleKeys: boolean;
}

export function shortcutFor(press: KeyPress, context: ShortcutContext): ShortcutAction | null {
  if (press.repeat || press.altKey) return null;
  const key = press.key.toLowerCase();
  if (press.ctrlKey || press.metaKey) {
    return BINDINGS.find((b) => b.chord === key)?.action ?? null;
  }
  if (context.typing || !context.singleKeys) return null;
  return BINDINGS.find((b) => b.single === key)?.action ?? null;
}

/** Whether keys typed at `element` are text (a single-key shortcut must not steal them). */
export function isTypingTarget(element: Element | null): boolean {
  if (element === null) return false;
  if ((element as HTMLElement).isContentEditable) return true;
  const tag = element.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (element as HTMLInputElement).type;
  return !["button", "checkbox", "radio", "range", "reset", "submit", "color", "file"].includes(
    type,
  );
}
