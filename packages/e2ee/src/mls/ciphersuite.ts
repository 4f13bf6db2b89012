// The one MLS cipher suite Conclave uses: MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (RFC 9420
// §17.1, id 1, the suite every implementation must support). Why this one: packages/e2ee/README.md.
import { type CiphersuiteImpl, getCiphersuiteFromName, getCiphersuiteImpl } from "ts-mls";
import { signerWithHandles } from "./signing-key.ts";

export const MLS_CIPHERSUITE_NAME = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519" as const;

let loaded: Promise<CiphersuiteImpl> | undefined;

/**
 * ts-mls's implementation of the suite (WebCrypto where the runtime has it, noble otherwise), its
 * signer also signing with non-extractable device keys (signing-key.ts).
 */
export function loadMlsCiphersuite(): Promise<CiphersuiteImpl> {
  loaded ??= getCiphersuiteImpl(getCiphersuiteFromName(MLS_CIPHERSUITE_NAME)).then((suite) => ({
    ...suite,
    signature: signerWithHandles(suite.signature),
  }));
  return loaded;
}
