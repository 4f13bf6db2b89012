// `npm run vectors -- <file>`: checks @conclave/e2ee against an RFC 9605-shaped vector file.
// Prints one line per failing vector, then "N passed, N failed"; exits 1 on any failure or on an
// unreadable file. The only Node-specific file of the package (it reads a file and sets an exit
// code); everything it runs is in vectors.ts.
import { readFile } from "node:fs/promises";
import { parseVectorFile, runVectors } from "./vectors.ts";

async function main(argv: readonly string[]): Promise<number> {
  const path = argv[0];
  if (path === undefined || argv.length > 1) {
    console.error("usage: npm run vectors -- <path to sframe test vectors JSON>");
    return 1;
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`cannot read vector file ${path}: ${reason}`);
    return 1;
  }
  const parsed = parseVectorFile(text);
  if (!parsed.ok) {
    console.error(`cannot use vector file ${path}: ${parsed.error}`);
    return 1;
  }
  const report = await runVectors(parsed.file);
  for (const line of report.failures) console.log(`FAIL ${line}`);
  console.log(`${report.passed} passed, ${report.failed} failed`);
  return report.failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
