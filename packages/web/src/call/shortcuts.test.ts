import assert from "node:assert/strict";
import { test } from "node:test";
import { SHORTCUTS, shortcutFor } from "./shortcuts.ts";

const press = (
  key: string,
  mods: Partial<{ ctrl: boolean; meta: boolean; alt: boolean }> = {},
) => ({
  key,
  ctrlKey: mods.ctrl ?? false,
  metaKey: mods.meta ?? false,
  altKey: mods.alt ?? false,
  repeat: false,
});
const idle = { typing: false, singleKeys: true };

test("single keys act outside text fields; Ctrl and ⌘ chords act everywhere", () => {
  assert.equal(shortcutFor(press("m"), idle), "microphone");
  assert.equal(shortcutFor(press("V"), idle), "camera");
  assert.equal(shortcutFor(press("h"), idle), "hand");
  assert.equal(shortcutFor(press("c"), idle), "chat");
  assert.equal(shortcutFor(press("?"), idle), "help");
  const typing = { typing: true, singleKeys: true };
  for (const key of ["m", "v", "h", "c", "?"]) assert.equal(shortcutFor(press(key), typing), null);
  assert.equal(shortcutFor(press("d", { ctrl: true }), typing), "microphone");
  assert.equal(shortcutFor(press("e", { meta: true }), typing), "camera");
});

test("turned-off single keys, Alt, key repeat and unbound chords do nothing", () => {
  assert.equal(shortcutFor(press("m"), { typing: false, singleKeys: false }), null);
  assert.equal(
    shortcutFor(press("d", { ctrl: true }), { typing: false, singleKeys: false }),
    "microphone",
  );
  assert.equal(shortcutFor(press("m", { alt: true }), idle), null);
  assert.equal(shortcutFor({ ...press("m"), repeat: true }, idle), null);
  assert.equal(shortcutFor(press("c", { ctrl: true }), idle), null, "Ctrl+C stays copy");
  assert.equal(shortcutFor(press("x"), idle), null);
});

test("the help lists every action with its keys", () => {
  assert.deepEqual(
    SHORTCUTS.map((s) => `${s.action}: ${s.keys.join(" / ")}`),
    ["microphone: Ctrl+D / M", "camera: Ctrl+E / V", "hand: H", "chat: C", "help: ?"],
  );
});
