/**
 * Noise suppression beyond the browser's (RNNoise in a worker, before encryption): with white
 * noise played into Chromium's fake microphone, the audio Bob decrypts from Alice carries far less
 * energy once Alice turns it on. The browser's own suppression is off in both halves, so the
 * difference is RNNoise's.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import type { ServerProcess } from "../packages/server/test/start-server.ts";
import { expectAccessible } from "./axe.ts";
import {
  CHROMIUM_ARGS,
  inGroup,
  joinMeeting,
  newMeetingLink,
  newParticipant,
  type Participant,
  startServerBesideBrowsers,
  waitFor,
} from "./browser.ts";

const RATE = 48_000;

/** Three seconds of white noise (a fixed seed), 16-bit mono WAV; the fake microphone loops it. */
function noiseWav(seconds = 3, amplitude = 0.25): Buffer {
  const samples = RATE * seconds;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write("RIFF", 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write("WAVEfmt ", 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(RATE, 24);
  wav.writeUInt32LE(RATE * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write("data", 36);
  wav.writeUInt32LE(samples * 2, 40);
  let seed = 1;
  for (let i = 0; i < samples; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const value = (seed / 2147483648 - 0.5) * 2 * amplitude;
    wav.writeInt16LE(Math.round(value * 32767), 44 + i * 2);
  }
  return wav;
}

/** The mean square of the audio Bob's page plays for the one other person, over `ms`. */
function receivedEnergy(page: Page, ms = 2000): Promise<number> {
  return page
    .locator(".audio-outputs audio")
    .first()
    .evaluate(async (element, ms) => {
      const scope = globalThis as unknown as {
        AudioContext: new () => {
          resume(): Promise<void>;
          close(): Promise<void>;
          createMediaStreamSource(stream: unknown): { connect(node: unknown): void };
          createAnalyser(): { fftSize: number; getFloatTimeDomainData(out: Float32Array): void };
        };
      };
      const context = new scope.AudioContext();
      await context.resume();
      const analyser = context.createAnalyser();
      analyser.fftSize = 2048;
      context
        .createMediaStreamSource((element as unknown as { srcObject: unknown }).srcObject)
        .connect(analyser);
      const buffer = new Float32Array(analyser.fftSize);
      let sum = 0;
      let count = 0;
      const end = Date.now() + ms;
      while (Date.now() < end) {
        await new Promise((r) => setTimeout(r, 40));
        analyser.getFloatTimeDomainData(buffer);
        for (const s of buffer) sum += s * s;
        count += buffer.length;
      }
      await context.close();
      return sum / count;
    }, ms);
}

describe("noise suppression", () => {
  let server: ServerProcess;
  let browser: Browser;
  let folder: string;
  const open: Participant[] = [];

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), "conclave-noise-"));
    const wav = join(folder, "noise.wav");
    writeFileSync(wav, noiseWav());
    server = await startServerBesideBrowsers();
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [...CHROMIUM_ARGS, `--use-file-for-fake-audio-capture=${wav}`],
    });
  });

  after(async () => {
    // The model's WebAssembly needs 'wasm-unsafe-eval' and nothing more from the server's CSP.
    const violations = open.flatMap((p) => p.errors.filter((e) => e.includes("CSP violation")));
    for (const p of open) {
      const errors = p.errors.filter((e) => !e.includes("ERR_CONNECTION_REFUSED"));
      if (errors.length > 0) console.log(errors.join("\n"));
      await p.context.close().catch(() => {});
    }
    await browser?.close();
    await server?.stop();
    rmSync(folder, { recursive: true, force: true });
    assert.deepEqual(violations, [], "the effects run under the server's CSP without violations");
  });

  test("RNNoise on the sender leaves far less noise in the audio another participant decrypts", async () => {
    const alice = await newParticipant(browser);
    const bob = await newParticipant(browser);
    open.push(alice, bob);
    const link = await newMeetingLink(alice.page, server.url);
    await joinMeeting(alice.page, link, "Alice");
    await inGroup(alice.page, "Alice");
    await joinMeeting(bob.page, link, "Bob");
    await inGroup(bob.page, "Bob");

    await alice.page.getByRole("button", { name: "Devices" }).click();
    const panel = alice.page.locator("#device-panel");
    const browserSuppression = panel.getByRole("checkbox", {
      name: "Noise suppression",
      exact: true,
    });
    await browserSuppression.uncheck();
    await waitFor(
      "the microphone reopened",
      async () =>
        await alice.page
          .getByRole("button", { name: /microphone/i })
          .first()
          .isEnabled(),
    );
    const off = await waitFor("Alice's noise at Bob's end", async () => {
      const energy = await receivedEnergy(bob.page);
      return energy > 1e-4 ? energy : false;
    });

    const strong = panel.getByRole("checkbox", { name: /Remove background noise/ });
    await strong.check();
    await waitFor(
      "RNNoise running",
      async () => (await strong.getAttribute("data-noise-status")) === "on",
    );
    const on = await waitFor(
      `less noise at Bob's end (off: ${off})`,
      async () => {
        const energy = await receivedEnergy(bob.page);
        return energy < off / 10 ? energy : false;
      },
      20_000,
    );
    console.log(JSON.stringify({ off, on, reductionDb: 10 * Math.log10(off / on) }));
    await expectAccessible(alice.page, "the Devices panel with background noise removal on");

    // Off again: the microphone's own track is sent again and the noise comes back, at least
    // 20 dB over what RNNoise let through (the browser's gain control, still on, may have lowered
    // it meanwhile).
    await strong.uncheck();
    await waitFor(
      `the noise back at Bob's end (with RNNoise: ${on})`,
      async () => (await receivedEnergy(bob.page)) > on * 100,
      20_000,
    );
  });
});
