import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { withBundleOnlyPorts } from "./bundle-only.ts";

const FIREFOX_OFFER = readFileSync(
  new URL("../fixtures/firefox-153-publish-offer.sdp", import.meta.url),
  "utf8",
);

describe("bundle-only m-lines", () => {
  it("gives each bundle-only m-line of a BUNDLE group its tag's port, and changes nothing else", () => {
    const out = withBundleOnlyPorts(FIREFOX_OFFER);
    assert.deepEqual(
      [...out.matchAll(/^m=(\w+) (\d+)/gm)].map((m) => `${m[1]} ${m[2]}`),
      ["audio 9", "video 9", "video 9", "audio 9"],
    );
    assert.doesNotMatch(out, /bundle-only/);
    const removed = FIREFOX_OFFER.split("\r\n").filter((l) => l === "a=bundle-only").length;
    assert.equal(out.split("\r\n").length, FIREFOX_OFFER.split("\r\n").length - removed);
  });

  it("leaves an offer without bundle-only m-lines as it is", () => {
    const plain = withBundleOnlyPorts(FIREFOX_OFFER);
    assert.equal(withBundleOnlyPorts(plain), plain);
  });

  it("leaves a port-0 m-line outside every BUNDLE group rejected", () => {
    const outside = FIREFOX_OFFER.replace("a=group:BUNDLE 0 1 2 3", "a=group:BUNDLE 0 1 2");
    assert.deepEqual(
      [...withBundleOnlyPorts(outside).matchAll(/^m=\w+ (\d+)/gm)].map((m) => m[1]),
      ["9", "9", "9", "0"],
    );
  });
});
