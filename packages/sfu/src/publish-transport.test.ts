/**
 * The publish side with the offers browsers really send. Firefox, under `bundlePolicy:
 * "max-bundle"`, offers every m-line after the first with port 0 and `a=bundle-only` (JSEP,
 * RFC 8829 §5.2.1): bundled, not rejected. The fixture is Firefox 153's offer as the web app makes
 * it (packages/web/src/call/peer-connections.ts), captured from Debian's firefox-esr.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { peerConfig } from "./media-config.ts";
import { PublishTransport } from "./publish-transport.ts";

const FIREFOX_OFFER = readFileSync(
  new URL("../fixtures/firefox-153-publish-offer.sdp", import.meta.url),
  "utf8",
);
const config = peerConfig({ announcedAddresses: ["127.0.0.1"], keyframeIntervalMs: 1000 });
const open: PublishTransport[] = [];

function transport(): PublishTransport {
  const t = new PublishTransport(config, () => {});
  open.push(t);
  return t;
}

/** Each m-line of an SDP as `kind port direction`. */
function mLines(sdp: string): string[] {
  return sdp
    .split(/^(?=m=)/m)
    .slice(1)
    .map((section) => {
      const [, kind, port] = /^m=(\w+) (\d+)/.exec(section) ?? [];
      const direction = /^a=(sendonly|recvonly|sendrecv|inactive)\r?$/m.exec(section)?.[1];
      return `${kind} ${port === "0" ? "rejected" : "accepted"} ${direction}`;
    });
}

describe("publish transport with a browser's offer", () => {
  after(() => {
    for (const t of open) t.close();
  });

  it("accepts all four of Firefox's m-lines, the bundle-only ones included", async () => {
    const publish = transport();
    const answer = await publish.answer(FIREFOX_OFFER);
    assert.deepEqual(mLines(answer), [
      "audio accepted recvonly",
      "video accepted recvonly",
      "video accepted recvonly",
      "audio accepted recvonly",
    ]);
    assert.match(answer, /^a=group:BUNDLE 0 1 2 3\r?$/m);
    assert.equal(publish.canShareScreen, true);
  });

  it("still refuses an m-line that is rejected rather than bundled", async () => {
    const rejected = FIREFOX_OFFER.replace(
      /^a=group:BUNDLE 0 1 2 3\r\n/m,
      "a=group:BUNDLE 0 1 2\r\n",
    );
    const answer = await transport().answer(rejected);
    assert.deepEqual(
      mLines(answer).map((line) => line.split(" ")[1]),
      ["accepted", "accepted", "accepted", "rejected"],
    );
  });
});
