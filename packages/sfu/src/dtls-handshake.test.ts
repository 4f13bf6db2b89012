/**
 * werift's DTLS handshake (RFC 6347) when a datagram of an earlier flight arrives again, late: a
 * loaded process reads its socket in bursts, and a peer that retransmitted while it waited is
 * answered twice. werift 0.25.2 answered a late first ClientHello by making a new random and key
 * pair after its ServerHello had gone out, and a late HelloVerifyRequest by going back to flight 3,
 * so the two sides derived different keys and the handshake failed: a bot's connection to the SFU
 * stayed dark while both said "connected" at the ICE layer. scripts/patches/werift.mjs makes both
 * sides ignore a handshake message from a flight they have moved past (RFC 6347 §4.2.4).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CipherContext,
  DtlsClient,
  DtlsServer,
  HashAlgorithm,
  NamedCurveAlgorithm,
  ProtectionProfileAes128CmHmacSha1_80,
  SignatureAlgorithm,
  type Transport,
} from "werift";

/** One end of an in-memory datagram link, shaped as werift's DTLS transports are. */
class MemoryEnd implements Transport {
  onData: (data: Buffer) => void = () => {};
  closed = false;
  readonly type = "memory";
  readonly address = { address: "memory", family: "IPv4", port: 0 };
  other: MemoryEnd | null = null;
  /** Datagrams this end sent, in order. */
  readonly sent: Buffer[] = [];
  /** Which earlier datagrams to deliver again right after the one with this index. */
  replayAfter = new Map<number, number[]>();
  /** Datagrams delivered to the other end. */
  delivered = 0;

  send = async (data: Buffer): Promise<void> => {
    const index = this.sent.push(data) - 1;
    const to = this.other;
    if (!to) return;
    const replays = (this.replayAfter.get(index) ?? []).map((i) => this.sent[i] as Buffer);
    for (const datagram of [data, ...replays]) {
      setImmediate(() => {
        this.delivered++;
        to.onData(datagram);
      });
    }
  };

  async close(): Promise<void> {
    this.closed = true;
  }
}

async function certificate() {
  const { certPem, keyPem, signatureHash } = await CipherContext.createSelfSignedCertificateWithKey(
    { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 },
    NamedCurveAlgorithm.secp256r1_23,
  );
  return { cert: certPem, key: keyPem, signatureHash };
}

/** Runs a handshake over a link shaped by `client` and `server`; resolves with both exporters. */
async function handshake(replays: {
  client?: MemoryEnd["replayAfter"];
  server?: MemoryEnd["replayAfter"];
}): Promise<{ client: Buffer; server: Buffer; echoed: string }> {
  const [clientEnd, serverEnd] = [new MemoryEnd(), new MemoryEnd()];
  clientEnd.other = serverEnd;
  serverEnd.other = clientEnd;
  if (replays.client) clientEnd.replayAfter = replays.client;
  if (replays.server) serverEnd.replayAfter = replays.server;
  const common = {
    srtpProfiles: [ProtectionProfileAes128CmHmacSha1_80],
    extendedMasterSecret: true,
  };
  const server = new DtlsServer({
    ...(await certificate()),
    ...common,
    transport: serverEnd,
    certificateRequest: true,
  });
  const client = new DtlsClient({
    ...(await certificate()),
    ...common,
    transport: clientEnd,
  });
  const connected = (socket: DtlsServer | DtlsClient) =>
    new Promise<void>((resolve, reject) => {
      socket.onConnect.once(() => resolve());
      socket.onError.once((error) => reject(error));
    });
  const both = Promise.all([connected(server), connected(client)]);
  client.connect().catch(() => {});
  try {
    await Promise.race([
      both,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error("no handshake within 8 s")), 8000).unref(),
      ),
    ]);
    // Whatever was still in flight arrives; then application data must pass both ways.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const echoed = new Promise<string>((resolve) => {
      server.onData.subscribe((data) => server.send(data));
      client.onData.subscribe((data) => resolve(data.toString()));
    });
    await client.send(Buffer.from("hello"));
    const label = "EXTRACTOR-dtls_srtp";
    return {
      client: client.exportKeyingMaterial(label, 60),
      server: server.exportKeyingMaterial(label, 60),
      echoed: await Promise.race([
        echoed,
        new Promise<string>((resolve) => setTimeout(() => resolve("nothing"), 2000).unref()),
      ]),
    };
  } finally {
    client.close();
    server.close();
  }
}

describe("werift's DTLS handshake with late duplicates", () => {
  for (const [name, replays] of [
    ["a clean link", {}],
    // The client's datagram 0 is its first ClientHello, 1 the one with the cookie.
    [
      "the first ClientHello again, right after the one with the cookie",
      { client: new Map([[1, [0]]]) },
    ],
    [
      "the first ClientHello again, after the handshake",
      {
        client: new Map([
          [3, [0]],
          [4, [0]],
        ]),
      },
    ],
    [
      "the ClientHello with the cookie again, after the key exchange",
      {
        client: new Map([
          [2, [1]],
          [3, [1]],
        ]),
      },
    ],
    // The server's datagram 0 is its HelloVerifyRequest.
    [
      "the HelloVerifyRequest again, after the ServerHello",
      {
        server: new Map([
          [1, [0]],
          [2, [0]],
          [3, [0]],
        ]),
      },
    ],
  ] as const) {
    test(`${name}: both sides agree on the keys and data passes`, async () => {
      const result = await handshake(replays);
      assert.deepEqual(result.client, result.server);
      assert.equal(result.echoed, "hello");
    });
  }
});
