/**
 * The device key as the page's origin sees it in IndexedDB (packages/web/src/worker/
 * device-identity-store.ts). The in-page code is JavaScript source: it uses IndexedDB and
 * WebCrypto key types, which the Node typings of these tests do not have.
 */
import type { Page } from "playwright-core";

const OPEN_DB = `new Promise((resolve, reject) => {
  const open = indexedDB.open("conclave", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("device");
  open.onsuccess = () => resolve(open.result);
  open.onerror = () => reject(open.error);
})`;

export interface StoredDeviceKey {
  /** the record's field names, sorted */
  readonly fields: string[];
  readonly cryptoKey: boolean;
  readonly extractable: boolean | null;
  /** what `exportKey("pkcs8")` did: "refused" for a non-extractable key */
  readonly exported: "exported" | "refused" | "no key";
  readonly publicKey: number[];
}

/** What this browser's IndexedDB holds for the device key. */
export function storedDeviceKey(page: Page): Promise<StoredDeviceKey> {
  return page.evaluate(`(async () => {
    const db = await ${OPEN_DB};
    const record = await new Promise((resolve, reject) => {
      const get = db.transaction("device").objectStore("device").get("identity");
      get.onsuccess = () => resolve(get.result ?? {});
      get.onerror = () => reject(get.error);
    });
    db.close();
    const key = record.signingKey;
    const isKey = key instanceof CryptoKey;
    const exported = isKey
      ? await crypto.subtle.exportKey("pkcs8", key).then(() => "exported", () => "refused")
      : "no key";
    return {
      fields: Object.keys(record).sort(),
      cryptoKey: isKey,
      extractable: isKey ? key.extractable : null,
      exported,
      publicKey: Array.from(record.signaturePublicKey ?? []),
    };
  })()`);
}

/** Stores a device key as bytes, as versions before the non-extractable key did; its public key. */
export function seedRawDeviceKey(page: Page): Promise<number[]> {
  return page.evaluate(`(async () => {
    const pair = await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]);
    const signaturePrivateKey = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
    const signaturePublicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    const db = await ${OPEN_DB};
    await new Promise((resolve, reject) => {
      const record = { deviceId: "web-0123456789abcdef", signaturePublicKey, signaturePrivateKey };
      const put = db.transaction("device", "readwrite").objectStore("device").put(record, "identity");
      put.onsuccess = () => resolve();
      put.onerror = () => reject(put.error);
    });
    db.close();
    return Array.from(signaturePublicKey);
  })()`);
}
