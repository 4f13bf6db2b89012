import { config } from "zod";

// The protocol's zod schemas must not probe for eval: the CSP forbids it, and the probe alone is
// reported as a violation. zod probes while schemas are being built, so this module has to be
// evaluated before @conclave/protocol: main.tsx imports it first. (zod comes with the protocol.)
config({ jitless: true });
