#!/usr/bin/env node
/**
 * Patches dependencies where they are wrong or slow for Conclave, a module each (scripts/patches/:
 * why, and the tests that fail without). Run by the root package's `postinstall`, so `npm ci` on a
 * fresh clone applies them; idempotent, patch by patch. Each patch must find its exact text: an
 * update that moved or changed it fails here, loudly, instead of running unpatched.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import tsMls from "./patches/ts-mls.mjs";
import werift from "./patches/werift.mjs";

const require = createRequire(import.meta.url);

/** The folder holding `name`'s package.json (exports may hide the file itself). */
function packageRoot(name) {
  let root = dirname(require.resolve(name));
  while (!existsSync(join(root, "package.json"))) root = dirname(root);
  return root;
}

function apply({ name, version: wanted, file, patches }) {
  const root = packageRoot(name);
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  if (version !== wanted) {
    throw new Error(
      `scripts/patches/${name}.mjs is for ${name} ${wanted}, found ${version}: update it`,
    );
  }
  const path = join(root, file);
  let source = readFileSync(path, "utf8");
  let changed = false;
  for (const [why, original, replacement] of patches) {
    const count = (text) => source.split(text).length - 1;
    // Applied by an earlier run: the replacement is there and the original is gone, or, for a
    // patch that adds code next to the text it matches, only within the replacement.
    const applied = count(replacement) === 1;
    if (applied && (count(original) === 0 || replacement.includes(original))) continue;
    if (count(original) !== 1) {
      throw new Error(
        `scripts/patches/${name}.mjs: "${why}" does not match ${name} ${version} exactly once`,
      );
    }
    source = source.replace(original, () => replacement);
    changed = true;
  }
  if (changed) writeFileSync(path, source);
}

try {
  for (const dependency of [werift, ...tsMls]) apply(dependency);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
