// alice (leaf 0), bob (1) and carol (2) in one real MLS group, for tests of what sits on top of
// MLS sessions (key rings, frame cryptors). For tests only.
import { loadMlsCiphersuite } from "../mls/ciphersuite.ts";
import { addMembers } from "../mls/commits.ts";
import { createDeviceIdentity } from "../mls/credential.ts";
import { makeKeyPackage } from "../mls/key-package.ts";
import { createMeeting, type MlsSession } from "../mls/session.ts";
import { joinFromWelcome } from "../mls/welcome.ts";

export async function threeSessions(): Promise<[MlsSession, MlsSession, MlsSession]> {
  const suite = await loadMlsCiphersuite();
  const dev = (n: string) => createDeviceIdentity({ displayName: n, deviceId: n }, suite);
  const founder = await createMeeting(await dev("alice"));
  const bundles = [
    await makeKeyPackage(await dev("bob"), suite),
    await makeKeyPackage(await dev("carol"), suite),
  ];
  const add = await addMembers(
    founder.session,
    bundles.map((b) => b.encoded),
  );
  const joined = await Promise.all(
    bundles.map(async (b) => (await joinFromWelcome(b, add.welcome)).session),
  );
  return [add.session, ...joined] as [MlsSession, MlsSession, MlsSession];
}
