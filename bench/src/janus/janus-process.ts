import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where Debian's `janus` package puts its modules. */
const MODULES = "/usr/lib/x86_64-linux-gnu/janus";
const START_TIMEOUT_MS = 20_000;
const INSTALL = fileURLToPath(new URL("../../../scripts/install-bench-deps.sh", import.meta.url));

/** A Janus process for one bench run: the VideoRoom plugin and the HTTP API on loopback only. */
export interface JanusProcess {
  /** The HTTP API's base, e.g. http://127.0.0.1:8088/janus */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/**
 * A configuration of its own in a temporary folder, with only the VideoRoom plugin and the HTTP
 * transport linked in, so that the run opens no other port (Debian's default configuration
 * starts every transport, on fixed ports) and nothing depends on /etc/janus.
 */
async function configure(folder: string, httpPort: number): Promise<void> {
  const plugins = join(folder, "plugins");
  const transports = join(folder, "transports");
  await mkdir(plugins);
  await mkdir(transports);
  await symlink(`${MODULES}/plugins/libjanus_videoroom.so`, join(plugins, "libjanus_videoroom.so"));
  await symlink(`${MODULES}/transports/libjanus_http.so`, join(transports, "libjanus_http.so"));
  await writeFile(
    join(folder, "janus.jcfg"),
    `general: {
  configs_folder = "${folder}"
  plugins_folder = "${plugins}"
  transports_folder = "${transports}"
  debug_level = 2
}
media: {
  rtp_port_range = "40000-60000"
}
nat: {
  nice_debug = false
  ice_ignore_list = "vmnet"
}
`,
  );
  await writeFile(
    join(folder, "janus.transport.http.jcfg"),
    `general: {
  json = "plain"
  base_path = "/janus"
  http = true
  port = ${httpPort}
  ip = "127.0.0.1"
  https = false
}
admin: {
  admin_http = false
}
`,
  );
  await writeFile(join(folder, "janus.plugin.videoroom.jcfg"), "general: {\n}\n");
}

/** Starts `janus` (Debian's package, installed by scripts/install-bench-deps.sh) and waits for its API. */
export async function startJanus(): Promise<JanusProcess> {
  if (!existsSync("/usr/bin/janus") && spawnSync(INSTALL, { stdio: "inherit" }).status !== 0) {
    throw new Error("Debian's janus is not installed, and scripts/install-bench-deps.sh failed");
  }
  const folder = await mkdtemp(join(tmpdir(), "conclave-janus-"));
  const httpPort = await freePort();
  await configure(folder, httpPort);
  const child: ChildProcess = spawn("/usr/bin/janus", ["-F", folder, "-o"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    stream?.setEncoding("utf8").on("data", (chunk: string) => logs.push(chunk));
  const url = `http://127.0.0.1:${httpPort}/janus`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`janus exited: ${logs.join("")}`);
    const ok = await fetch(`${url}/info`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`janus did not answer within ${START_TIMEOUT_MS} ms: ${logs.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await once(child, "exit");
        clearTimeout(killer);
      }
      await rm(folder, { recursive: true, force: true });
    },
  };
}
