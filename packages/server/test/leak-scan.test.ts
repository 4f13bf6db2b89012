import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { toBase64url } from "@conclave/protocol";
import { scanForSecrets } from "./leak-scan.ts";
import { newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";

describe("leak scan", () => {
  let server: ServerProcess;
  const capture = join(mkdtempSync(join(tmpdir(), "conclave-capture-")), "capture.log");
  before(async () => {
    server = await startServer({ CAPTURE_FILE: capture });
  });
  after(async () => {
    await server.stop();
  });

  it("finds planted canaries in every encoding the server could see them in, and not absent ones", async () => {
    const room = await newRoom();
    const canaryName = crypto.getRandomValues(new Uint8Array(12));
    const canaryBlob = crypto.getRandomValues(new Uint8Array(32));
    const canaryHex = crypto.getRandomValues(new Uint8Array(16));
    const absent = crypto.getRandomValues(new Uint8Array(32));
    const client = await SignallingClient.connect(server.url);
    // A client of an older release would still send its name: the capture records it all the same.
    client.send({ ...room.joinMessage(), name: `n${Buffer.from(canaryName).toString("hex")}` });
    await client.next("error");
    client.send(room.joinMessage());
    await client.next("welcome");
    // Inside an MLS-looking payload (base64url at an odd offset) and as hex in free text.
    client.send({
      type: "mls-key-package",
      keyPackage: toBase64url(Buffer.concat([Buffer.from([1]), canaryBlob])),
    });
    await client.next("error", { from: client.received.length });
    client.send({ type: "unknown", note: Buffer.from(canaryHex).toString("hex") });
    await client.next("error", { from: client.received.length });
    client.close();
    await server.stop();

    const findings = scanForSecrets(capture, server.logs, [
      { label: "name", bytes: canaryName },
      { label: "blob", bytes: canaryBlob },
      { label: "hex", bytes: canaryHex },
      { label: "absent", bytes: absent },
    ]);
    const labels = new Set(findings.map((f) => f.label));
    assert.ok(labels.has("name"), "a hex canary in a display name is found");
    assert.ok(labels.has("blob"), "raw bytes inside a base64url payload are found");
    assert.ok(labels.has("hex"), "hex in free text is found");
    assert.ok(!labels.has("absent"), "nothing is found that was never sent");
    assert.ok(findings.some((f) => f.label === "blob" && f.encoding === "raw"));
  });
});
