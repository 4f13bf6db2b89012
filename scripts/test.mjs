// `npm test`: typecheck, lint, build, then every test suite (unit and integration in parallel,
// browser tests one at a time), closing with one line `N passed, N failed` for all of them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const totals = { passed: 0, failed: 0, skipped: 0 };

function run(label, command, args) {
  console.log(`\n▶ ${label}`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  return result.status === 0;
}

function check(label, command, args) {
  if (run(label, command, args)) totals.passed++;
  else {
    totals.failed++;
    console.log(`✖ ${label} failed`);
  }
}

function testFiles(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) testFiles(path, out);
    else if (entry.name.endsWith(".test.ts")) out.push(relative(root, path));
  }
  return out.sort();
}

function suite(label, files, extraArgs) {
  if (files.length === 0) return;
  const tally = join(mkdtempSync(join(tmpdir(), "conclave-test-")), "tally.json");
  run(label, process.execPath, [
    "--import",
    "tsx",
    "--test",
    ...extraArgs,
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    `--test-reporter=${join(root, "scripts/tally-reporter.mjs")}`,
    `--test-reporter-destination=${tally}`,
    ...files,
  ]);
  try {
    const counts = JSON.parse(readFileSync(tally, "utf8"));
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
  } catch {
    totals.failed++;
    console.log(`✖ ${label} did not report its results`);
  }
}

check("Debian packages for the tests", "bash", ["scripts/install-test-deps.sh"]);
check("typecheck (node)", "npx", ["tsc", "-p", "tsconfig.json"]);
check("typecheck (web)", "npx", ["tsc", "-p", "packages/web"]);
check("typecheck (web worker)", "npx", ["tsc", "-p", "packages/web/src/worker"]);
check("lint and format", "npx", ["biome", "check", "."]);
check("build the web app", "npm", ["run", "build", "--silent"]);
check("RFC 9605 test vectors", "npm", [
  "run",
  "--silent",
  "vectors",
  "--",
  "packages/e2ee/vectors/sframe-rfc9605.json",
]);

const all = testFiles(join(root, "packages")).concat(testFiles(join(root, "bench")));
suite("unit and integration tests", all, []);
suite("browser tests", testFiles(join(root, "e2e")), ["--test-concurrency=1"]);

const skipped = totals.skipped ? `, ${totals.skipped} skipped` : "";
console.log(`\n${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(totals.failed === 0 ? 0 : 1);
