import assert from "node:assert/strict";
import { test } from "node:test";
import { insecureOrigin } from "./secure-origin.ts";

test("an insecure page names the address it was opened at and the same page over https", () => {
  assert.deepEqual(insecureOrigin("http://192.168.1.20:8080/m/abc#secret-key", false), {
    opened: "http://192.168.1.20:8080",
    https: "https://192.168.1.20:8080/m/abc#secret-key",
  });
  assert.deepEqual(insecureOrigin("http://office-box/", false), {
    opened: "http://office-box",
    https: "https://office-box/",
  });
});

test("a secure page has nothing to tell", () => {
  assert.equal(insecureOrigin("https://meet.example.org/", true), null);
  assert.equal(insecureOrigin("http://localhost:8080/", true), null);
});
