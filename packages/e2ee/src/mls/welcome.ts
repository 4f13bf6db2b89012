// Joining a group from a Welcome (RFC 9420 §12.4.3.1): the group must carry Conclave's pin and
// roles, and the policy is asked about the GroupInfo (its extensions and signer) before the
// session is returned.
import {
  type CiphersuiteImpl,
  decodeMlsMessage,
  emptyPskIndex,
  type GroupInfo,
  joinGroupWithExtensions,
  type Welcome,
  zeroOutUint8Array,
} from "ts-mls";
import { decryptGroupInfo, decryptGroupSecrets } from "ts-mls/welcome.js";
import { MlsSessionError } from "../errors.ts";
import { toHex } from "../sframe/bytes.ts";
import { suiteOfKeyPackage } from "./ciphersuite.ts";
import { requireGroupPin } from "./group-pin.ts";
import { type KeyPackageBundle, keyPackageRef } from "./key-package.ts";
import { acceptAllPolicy, enforcePolicy } from "./policy.ts";
import {
  CONCLAVE_CLIENT_CONFIG,
  guarded,
  policyContext,
  requireMeetingRoles,
  type SessionOptions,
  sessionFromState,
  type Transition,
} from "./session.ts";

function decodeWelcome(bytes: Uint8Array): Welcome {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (
    decoded === undefined ||
    decoded[1] !== bytes.length ||
    decoded[0].wireformat !== "mls_welcome"
  ) {
    throw new MlsSessionError("MLS_MESSAGE_INVALID", "not an MLS Welcome");
  }
  return decoded[0].welcome;
}

/**
 * The GroupInfo inside a Welcome for `bundle`, decrypted only to learn its signer: ts-mls 1.6.4's
 * joinGroupWithExtensions verifies the GroupInfo and returns its extensions, but not who signed it
 * (the committer of our Add, whom a knock-link joiner checks). joinGroupWithExtensions then
 * decrypts and verifies the same bytes; the secrets decrypted here are zeroed at once.
 */
async function groupInfoOf(
  parsed: Welcome,
  bundle: KeyPackageBundle,
  suite: CiphersuiteImpl,
): Promise<GroupInfo> {
  const ref = await keyPackageRef(bundle.publicPackage, suite);
  const initKey = await suite.hpke.importPrivateKey(bundle.privatePackage.initPrivateKey);
  const secrets = await decryptGroupSecrets(initKey, ref, parsed, suite.hpke);
  if (secrets === undefined) throw new MlsSessionError("MLS_MESSAGE_INVALID", "no group secrets");
  try {
    if (secrets.psks.length > 0) {
      throw new MlsSessionError("MLS_MESSAGE_INVALID", "a Welcome that needs a PSK");
    }
    const info = await decryptGroupInfo(
      parsed,
      secrets.joinerSecret,
      new Uint8Array(suite.kdf.size),
      suite,
    );
    if (info === undefined) throw new MlsSessionError("MLS_MESSAGE_INVALID", "no GroupInfo");
    return info;
  } finally {
    zeroOutUint8Array(secrets.joinerSecret);
    if (secrets.pathSecret !== undefined) zeroOutUint8Array(secrets.pathSecret);
  }
}

/**
 * Joins from a Welcome made for `bundle` (RFC 9420 §12.4.3.1). Refuses a group without Conclave's
 * pin (MLS_GROUP_PIN_INVALID) or roles (MLS_GROUP_ROLES_INVALID), and asks the policy (kind
 * "join", with the GroupInfo's extensions and signer: the Welcome tag and pinned-host checks)
 * before returning. The bundle's init key is consumed; its leaf key now lives in the session.
 */
export async function joinFromWelcome(
  bundle: KeyPackageBundle,
  welcome: Uint8Array,
  options: SessionOptions = {},
): Promise<Transition> {
  // The Welcome must be for our KeyPackage's suite (ts-mls checks the GroupContext's against it).
  const suite = await suiteOfKeyPackage(bundle.publicPackage);
  const parsed = decodeWelcome(welcome);
  const info = await guarded("MLS_MESSAGE_INVALID", () => groupInfoOf(parsed, bundle, suite));
  const [state, groupInfoExtensions] = await guarded("MLS_MESSAGE_INVALID", () =>
    joinGroupWithExtensions(
      parsed,
      bundle.publicPackage,
      bundle.privatePackage,
      emptyPskIndex,
      suite,
      undefined,
      undefined,
      CONCLAVE_CLIENT_CONFIG,
    ),
  );
  requireGroupPin(state.groupContext.extensions);
  requireMeetingRoles(state.groupContext.extensions);
  const ref = await keyPackageRef(bundle.publicPackage, suite);
  const session = await sessionFromState(
    state,
    suite,
    options.policy ?? acceptAllPolicy,
    undefined,
    [toHex(ref)],
  );
  await enforcePolicy(
    session.policy,
    { kind: "join", origin: "local", groupInfoExtensions, signer: info.signer, keyPackageRef: ref },
    policyContext(session),
  );
  return { session, consumed: [bundle.privatePackage.initPrivateKey] };
}
