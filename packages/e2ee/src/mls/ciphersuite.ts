// The MLS cipher suites Conclave runs (RFC 9420 §17.1 and ts-mls 1.6.4's post-quantum additions):
//
// - MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (id 1): the suite every implementation must
//   support. Why this one: packages/e2ee/README.md.
// - MLS_256_XWING_AES256GCM_SHA512_Ed25519 (id 83): the same Ed25519 signatures, with HPKE over
//   X-Wing, the hybrid of ML-KEM-768 and X25519 (@hpke/hybridkem-x-wing), so recorded traffic stays
//   safe if either holds against a quantum computer.
//
// A group's suite is in its GroupContext for its whole life: ts-mls refuses a KeyPackage or a
// Welcome of another suite, and members refuse ReInit (mls/policy.ts), so nobody can downgrade a
// meeting. Which suite a new meeting gets: MLS_CIPHERSUITE_NAME (docs/e2ee.md "Post-quantum").
import {
  type CiphersuiteImpl,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type KeyPackage,
} from "ts-mls";
import { MlsSessionError } from "../errors.ts";
import { signerWithHandles } from "./signing-key.ts";

export const MLS_CIPHERSUITES = [
  "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
  "MLS_256_XWING_AES256GCM_SHA512_Ed25519",
] as const;

export type MlsCiphersuiteName = (typeof MLS_CIPHERSUITES)[number];

/** The suite new meetings are founded with and joiners make their KeyPackages in. */
export const MLS_CIPHERSUITE_NAME: MlsCiphersuiteName =
  "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519";

const loaded = new Map<MlsCiphersuiteName, Promise<CiphersuiteImpl>>();

export function isMlsCiphersuiteName(name: string): name is MlsCiphersuiteName {
  return (MLS_CIPHERSUITES as readonly string[]).includes(name);
}

/**
 * ts-mls's implementation of a suite (WebCrypto where the runtime has it, noble and @hpke
 * otherwise), its signer also signing with non-extractable device keys (signing-key.ts).
 */
export function loadMlsCiphersuite(
  name: MlsCiphersuiteName = MLS_CIPHERSUITE_NAME,
): Promise<CiphersuiteImpl> {
  let suite = loaded.get(name);
  if (suite === undefined) {
    suite = getCiphersuiteImpl(getCiphersuiteFromName(name)).then((impl) => ({
      ...impl,
      signature: signerWithHandles(impl.signature),
    }));
    loaded.set(name, suite);
  }
  return suite;
}

/** The suite a KeyPackage was made in; MLS_KEY_PACKAGE_INVALID for one Conclave does not run. */
export function suiteOfKeyPackage(keyPackage: KeyPackage): Promise<CiphersuiteImpl> {
  const name = keyPackage.cipherSuite;
  if (!isMlsCiphersuiteName(name)) {
    throw new MlsSessionError("MLS_KEY_PACKAGE_INVALID", `cipher suite ${name} is not one we run`);
  }
  return loadMlsCiphersuite(name);
}
