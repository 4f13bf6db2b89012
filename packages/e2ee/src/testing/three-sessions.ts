// alice (leaf 0), bob (1) and carol (2) in one real MLS group, for tests of what sits on top of
// MLS sessions (key rings, frame cryptors). For tests only.
import type { MlsSession } from "../mls/session.ts";
import { foundedGroup } from "./founded-group.ts";

export async function threeSessions(): Promise<[MlsSession, MlsSession, MlsSession]> {
  return (await foundedGroup(["alice", "bob", "carol"])) as [MlsSession, MlsSession, MlsSession];
}
