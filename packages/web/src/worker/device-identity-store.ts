/**
 * This browser's long-term device identity (its MLS signature key), kept in the worker's
 * IndexedDB so the fingerprint people verify and pin stays the same from one meeting to the next.
 *
 * The private key is a non-extractable WebCrypto Ed25519 key (@conclave/e2ee mls/signing-key.ts):
 * IndexedDB stores the CryptoKey object, whose bytes no script can read, this worker included; MLS
 * signs with it through a handle. A script of this origin could still ask the browser to sign with
 * it while it runs, but never copy it elsewhere. The page gets fingerprints only.
 *
 * One tab at a time holds it (a Web Lock, held for the worker's life). A second tab of the same
 * browser in a meeting gets a one-off identity instead: MLS refuses two leaves with one signature
 * key, so sharing it would push the first tab out of the group.
 */
import {
  checkDisplayName,
  type DeviceIdentity,
  deviceIdentityWithKey,
  generateSigningKey,
} from "@conclave/e2ee";

const DB = "conclave";
const STORE = "device";
const KEY = "identity";
const LOCK = "conclave-device-identity";

interface Stored {
  readonly deviceId: string;
  readonly signaturePublicKey: Uint8Array;
  /** non-extractable Ed25519 private key */
  readonly signingKey: CryptoKey;
}

/** What versions before the non-extractable key stored: the private key's bytes (PKCS #8). */
interface StoredRaw {
  readonly deviceId: string;
  readonly signaturePublicKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
}

function isStored(value: unknown): value is Stored {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.deviceId === "string" &&
    v.signaturePublicKey instanceof Uint8Array &&
    v.signingKey instanceof CryptoKey &&
    v.signingKey.type === "private" &&
    !v.signingKey.extractable
  );
}

function isStoredRaw(value: unknown): value is StoredRaw {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.deviceId === "string" &&
    v.signaturePublicKey instanceof Uint8Array &&
    v.signaturePrivateKey instanceof Uint8Array
  );
}

/** An old record's key bytes, imported as a non-extractable key; the bytes are then zeroed. */
async function upgrade(raw: StoredRaw): Promise<Stored> {
  try {
    const signingKey = await crypto.subtle.importKey(
      "pkcs8",
      new Uint8Array(raw.signaturePrivateKey),
      "Ed25519",
      false,
      ["sign"],
    );
    return {
      deviceId: raw.deviceId,
      signaturePublicKey: raw.signaturePublicKey,
      signingKey,
    };
  } finally {
    raw.signaturePrivateKey.fill(0);
  }
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function openDb(): Promise<IDBDatabase> {
  const open = indexedDB.open(DB, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  return request(open);
}

/** Resolves once this worker holds the identity lock, or false if another tab holds it. */
function holdLock(): Promise<boolean> {
  const locks = (navigator as WorkerNavigator & { locks?: LockManager }).locks;
  if (!locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    locks
      .request(LOCK, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        // Held until the worker ends (the meeting's end terminates it).
        return lock === null ? undefined : new Promise<void>(() => {});
      })
      // The lock could not be asked for: this tab keeps no identity.
      .catch(() => resolve(false));
  });
}

function randomDeviceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

async function newKey(): Promise<Stored> {
  const { publicKey, privateKey } = await generateSigningKey();
  return { deviceId: randomDeviceId(), signaturePublicKey: publicKey, signingKey: privateKey };
}

function identityOf(displayName: string, stored: Stored): DeviceIdentity {
  return deviceIdentityWithKey(
    { displayName, deviceId: stored.deviceId },
    stored.signaturePublicKey,
    stored.signingKey,
  );
}

/** The stored identity under `displayName`, or a new one (stored when this tab may keep it). */
export async function deviceIdentity(displayName: string): Promise<DeviceIdentity> {
  checkDisplayName(displayName);
  const fresh = async () => identityOf(displayName, await newKey());
  if (!(await holdLock())) return fresh();
  let db: IDBDatabase;
  try {
    db = await openDb();
  } catch {
    return fresh(); // storage refused (private browsing, quota): this meeting only
  }
  try {
    const found: unknown = await request(db.transaction(STORE).objectStore(STORE).get(KEY));
    if (isStored(found)) return identityOf(displayName, found);
    // A key stored as bytes by an earlier version keeps its fingerprint, now as a CryptoKey.
    const keep = isStoredRaw(found) ? await upgrade(found) : await newKey();
    await request(db.transaction(STORE, "readwrite").objectStore(STORE).put(keep, KEY));
    return identityOf(displayName, keep);
  } catch {
    return fresh();
  } finally {
    db.close();
  }
}
