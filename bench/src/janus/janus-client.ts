import { randomUUID } from "node:crypto";
import { z } from "zod";

/** One message of Janus's HTTP API (https://janus.conf.meetecho.com/docs/rest.html). */
const JanusMessage = z.object({
  janus: z.string(),
  transaction: z.string().optional(),
  sender: z.number().optional(),
  data: z.object({ id: z.number() }).partial().passthrough().optional(),
  plugindata: z.object({ plugin: z.string(), data: z.record(z.string(), z.unknown()) }).optional(),
  jsep: z.object({ type: z.enum(["offer", "answer"]), sdp: z.string() }).optional(),
  error: z.object({ code: z.number(), reason: z.string() }).optional(),
});
type JanusMessage = z.infer<typeof JanusMessage>;

export interface Jsep {
  type: "offer" | "answer";
  sdp: string;
}

/** What a VideoRoom request answered: the plugin's data, and the offer or answer it carried. */
export interface PluginReply {
  data: Record<string, unknown>;
  jsep: Jsep | undefined;
}

/**
 * One Janus session over the HTTP API: requests are POSTed, and the session's events come back on
 * one long poll, which also keeps the session alive. Asynchronous plugin requests are answered by
 * `ack` and later by an event with the same transaction.
 */
export class JanusSession {
  private readonly waiting = new Map<string, (message: JanusMessage) => void>();
  private polling = true;

  private constructor(
    private readonly base: string,
    readonly id: number,
  ) {
    void this.poll();
  }

  static async create(url: string): Promise<JanusSession> {
    const reply = await post(url, { janus: "create" });
    const id = reply.data?.id;
    if (reply.janus !== "success" || id === undefined) throw janusError("create", reply);
    return new JanusSession(url, id);
  }

  /** Attaches a handle to the VideoRoom plugin. */
  async attach(): Promise<number> {
    const reply = await post(`${this.base}/${this.id}`, {
      janus: "attach",
      plugin: "janus.plugin.videoroom",
    });
    const id = reply.data?.id;
    if (reply.janus !== "success" || id === undefined) throw janusError("attach", reply);
    return id;
  }

  /** A plugin request; resolves with the plugin's answer, synchronous or not. */
  async request(handle: number, body: object, jsep?: Jsep): Promise<PluginReply> {
    const transaction = randomUUID();
    const event = new Promise<JanusMessage>((resolve) => this.waiting.set(transaction, resolve));
    const reply = await post(`${this.base}/${this.id}/${handle}`, {
      janus: "message",
      transaction,
      body,
      ...(jsep ? { jsep } : {}),
    });
    const answer = reply.janus === "ack" ? await event : reply;
    this.waiting.delete(transaction);
    const data = answer.plugindata?.data;
    if (!data || "error" in data) throw janusError(JSON.stringify(body), answer);
    return { data, jsep: answer.jsep };
  }

  async destroy(): Promise<void> {
    this.polling = false;
    await post(`${this.base}/${this.id}`, { janus: "destroy" }).catch(() => {});
  }

  private async poll(): Promise<void> {
    while (this.polling) {
      try {
        const response = await fetch(`${this.base}/${this.id}?maxev=20`);
        const body: unknown = await response.json();
        for (const item of Array.isArray(body) ? body : [body]) {
          const message = JanusMessage.safeParse(item);
          if (!message.success || !message.data.transaction) continue;
          this.waiting.get(message.data.transaction)?.(message.data);
        }
      } catch {
        if (this.polling) await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}

async function post(url: string, message: object): Promise<JanusMessage> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ transaction: randomUUID(), ...message }),
  });
  return JanusMessage.parse(await response.json());
}

function janusError(what: string, reply: JanusMessage): Error {
  const reason = reply.error?.reason ?? JSON.stringify(reply.plugindata?.data ?? reply);
  return new Error(`janus ${what}: ${reason}`);
}
