/**
 * This browser's long-term device identity (its MLS signature key), kept in the worker's
 * IndexedDB so the fingerprint people verify and pin stays the same from one meeting to the next.
 * The private key never leaves the worker: the page gets fingerprints only.
 *
 * One tab at a time holds it (a Web Lock, held for the worker's life). A second tab of the same
 * browser in a meeting gets a one-off identity instead: MLS refuses two leaves with one signature
 * key, so sharing it would push the first tab out of the group.
 */
import {
  checkDisplayName,
  createDeviceIdentity,
  type DeviceIdentity,
  loadMlsCiphersuite,
} from "@conclave/e2ee";

const DB = "conclave";
const STORE = "device";
const KEY = "identity";
const LOCK = "conclave-device-identity";

interface Stored {
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
    v.signaturePrivateKey instanceof Uint8Array
  );
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
    void locks.request(LOCK, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      // Held until the worker ends (the meeting's end terminates it).
      return lock === null ? undefined : new Promise<void>(() => {});
    });
  });
}

function randomDeviceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The stored identity under `displayName`, or a new one (stored when this tab may keep it). */
export async function deviceIdentity(displayName: string): Promise<DeviceIdentity> {
  const fresh = async () =>
    createDeviceIdentity({ displayName, deviceId: randomDeviceId() }, await loadMlsCiphersuite());
  if (!(await holdLock())) return fresh();
  let db: IDBDatabase;
  try {
    db = await openDb();
  } catch {
    return fresh(); // storage refused (private browsing, quota): this meeting only
  }
  try {
    const stored: unknown = await request(db.transaction(STORE).objectStore(STORE).get(KEY));
    if (isStored(stored)) {
      checkDisplayName(displayName);
      return { displayName, ...stored };
    }
    const made = await fresh();
    const keep: Stored = {
      deviceId: made.deviceId,
      signaturePublicKey: made.signaturePublicKey,
      signaturePrivateKey: made.signaturePrivateKey,
    };
    await request(db.transaction(STORE, "readwrite").objectStore(STORE).put(keep, KEY));
    return made;
  } catch {
    return fresh();
  } finally {
    db.close();
  }
}
