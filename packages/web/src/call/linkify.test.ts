import assert from "node:assert/strict";
import { test } from "node:test";
import { linkify } from "./linkify.ts";

const links = (text: string) =>
  linkify(text)
    .filter((p) => p.kind === "link")
    .map((p) => (p.kind === "link" ? p.href : ""));

test("http and https URLs become links; the text around them stays text", () => {
  assert.deepEqual(linkify("see https://example.org/a?b=1#c, then http://x.test."), [
    { kind: "text", text: "see " },
    { kind: "link", text: "https://example.org/a?b=1#c", href: "https://example.org/a?b=1#c" },
    { kind: "text", text: ", then " },
    { kind: "link", text: "http://x.test", href: "http://x.test/" },
    { kind: "text", text: "." },
  ]);
  assert.deepEqual(links("(https://en.wikipedia.org/wiki/Foo_(bar))"), [
    "https://en.wikipedia.org/wiki/Foo_(bar)",
  ]);
  assert.deepEqual(links("HTTPS://EXAMPLE.ORG"), ["https://example.org/"]);
});

test("every other scheme, and markup, stays inert text", () => {
  for (const text of [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "vbscript:msgbox(1)",
    "https://",
    "xhttps://example.org",
  ]) {
    assert.deepEqual(links(text), [], text);
    assert.equal(
      linkify(text)
        .map((p) => p.text)
        .join(""),
      text,
      "no character is lost or added",
    );
  }
});

test("a URL cannot break out of its attribute: quotes and angle brackets end it", () => {
  assert.deepEqual(links('https://a.test/"onmouseover="alert(1)'), ["https://a.test/"]);
  assert.deepEqual(links("https://a.test/<script>"), ["https://a.test/"]);
});
