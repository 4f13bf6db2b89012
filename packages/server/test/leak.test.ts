/**
 * Issue "End-to-end encryption", leak test: everything the server received (signalling and RTP,
 * via CAPTURE_FILE) and everything it logged is searched for every secret of a real meeting of
 * three bots: exporter outputs, SFrame base keys, per-KID SFrame keys and salts of every epoch seen,
 * chat plaintext and display names, as raw bytes, hex and base64. A canary the server did receive
 * proves, in the same capture, that the search finds what it looks for.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bot, joinBot } from "@conclave/bot";
import {
  AES_128_CTR_HMAC_SHA256_32,
  AES_128_GCM_SHA256_128,
  deriveKeySalt,
  encodeKid,
  type MeetingMember,
} from "@conclave/e2ee";
import { type Secret, scanForSecrets } from "./leak-scan.ts";
import { newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { waitFor } from "./wait-for.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** Every key of the member's current epoch, as the test derives them again from the exporter. */
async function epochSecrets(member: MeetingMember): Promise<Secret[]> {
  const epoch = member.epoch;
  if (epoch === undefined) return [];
  const empty = new Uint8Array(0);
  const secrets: Secret[] = [];
  const other = await member.exportSecret("conclave leak test", empty, 32);
  if (other) secrets.push({ label: `exporter output, epoch ${epoch}`, bytes: other });
  for (const [stream, suite] of [
    ["camera", AES_128_GCM_SHA256_128],
    ["microphone", AES_128_CTR_HMAC_SHA256_32],
  ] as const) {
    const base = await member.exportSecret("SFrame 1.0 Base Key", empty, suite.nk);
    if (!base) continue;
    secrets.push({ label: `${stream} base key, epoch ${epoch}`, bytes: base });
    for (const { leaf } of member.roster) {
      const material = await deriveKeySalt(
        suite,
        encodeKid(stream, leaf, epoch),
        new Uint8Array(base),
      );
      secrets.push(
        { label: `${stream} SFrame secret, leaf ${leaf}, epoch ${epoch}`, bytes: material.secret },
        { label: `${stream} SFrame key, leaf ${leaf}, epoch ${epoch}`, bytes: material.key },
        { label: `${stream} SFrame salt, leaf ${leaf}, epoch ${epoch}`, bytes: material.salt },
      );
    }
  }
  return secrets;
}

describe("leak test", () => {
  let server: ServerProcess;
  const capture = join(mkdtempSync(join(tmpdir(), "conclave-leak-")), "capture.log");
  const bots: Bot[] = [];
  before(async () => {
    server = await startServer({ CAPTURE_FILE: capture });
  });
  after(async () => {
    for (const bot of bots) bot.close();
    await server.stop();
  });

  it("finds no key, exporter output, chat text or name in anything the server received or logged", async () => {
    const room = await newRoom();
    const url = `${server.url}/m/${room.roomId}#${room.secret}`;
    const names = ["Ada", "Ben", "Cyd"].map((n) => `${n} ${hex(random(6))}`);
    const pending: Array<Promise<Secret[]>> = [];
    for (const name of names) {
      const bot = await joinBot({ url, name });
      bots.push(bot);
      const member = bot.crypto.member;
      pending.push(epochSecrets(member));
      member.on("epoch", () => pending.push(epochSecrets(member)));
    }
    const decrypted = (b: Bot) => b.stats().e2ee?.frames.total.decrypted ?? 0;
    await waitFor("everyone to decrypt everyone", () => bots.every((b) => decrypted(b) > 150));

    const chats = bots.map(() => `chat canary ${hex(random(8))}`);
    const heard: string[] = [];
    for (const bot of bots) bot.crypto.member.on("chat", ({ text }) => heard.push(text));
    for (const [i, bot] of bots.entries())
      assert.ok(await bot.crypto.member.sendChat(chats[i] ?? ""));
    await waitFor("every chat to reach both others", () => heard.length >= 6);

    // A leave makes one more epoch, so keys of a rekeyed meeting are searched too.
    const [ada, ben, cyd] = bots as [Bot, Bot, Bot];
    await cyd.leave();
    await waitFor("the removal", () =>
      [ada, ben].every((b) => b.stats().e2ee?.roster.length === 2),
    );
    await waitFor("media in the new epoch", () => [ada, ben].every((b) => decrypted(b) > 400));

    // Positive control, in the same capture: a value the server did receive.
    const canary = random(24);
    const client = await SignallingClient.connect(server.url);
    client.send({ type: "canary", value: Buffer.from(canary).toString("base64url") });
    await client.next("error");
    client.close();
    for (const bot of bots) bot.close();
    await server.stop();

    const secrets: Secret[] = (await Promise.all(pending)).flat();
    assert.ok(secrets.length > 40, `only ${secrets.length} secrets were collected`);
    const utf8 = (text: string) => new TextEncoder().encode(text);
    for (const [i, name] of names.entries())
      secrets.push({ label: `display name ${i}`, bytes: utf8(name) });
    for (const [i, text] of chats.entries())
      secrets.push({ label: `chat ${i}`, bytes: utf8(text) });

    const control = scanForSecrets(capture, server.logs, [{ label: "canary", bytes: canary }]);
    assert.ok(control.length > 0, "the planted canary is found: the search works");
    const findings = scanForSecrets(capture, server.logs, secrets);
    assert.deepEqual(
      findings,
      [],
      `${findings.length} leaks: ${JSON.stringify(findings.slice(0, 5))}`,
    );
  });
});
