import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";

const REPLY_TIMEOUT_MS = 600_000;

/**
 * One forked load process of a bench, one command at a time: it says `ready` once started, answers
 * each command with the reply named, or `failed` with a message.
 */
export class ForkedWorker<
  Command,
  Reply extends { readonly type: string } | { readonly type: "failed"; readonly message: string },
> {
  private constructor(private readonly child: ChildProcess) {}

  static async start<C, R extends { readonly type: string }>(
    path: string,
  ): Promise<ForkedWorker<C, R>> {
    const child = fork(path, [], { execArgv: ["--import", "tsx"], stdio: "inherit" });
    const worker = new ForkedWorker<C, R>(child);
    await worker.next("ready" as R["type"]);
    return worker;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async ask<T extends Reply["type"]>(
    command: Command,
    expected: T,
  ): Promise<Extract<Reply, { type: T }>> {
    const reply = this.next(expected);
    this.child.send(command as object);
    return reply;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }

  async exited(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null)
      await once(this.child, "exit");
  }

  /** Asks it to stop (`stop`, answered `stopped`), killing it if that takes over 10 s. */
  async stop(command: Command): Promise<void> {
    const timer = setTimeout(() => this.kill(), 10_000);
    await this.ask(command, "stopped" as Reply["type"]).catch(() => this.kill());
    await this.exited();
    clearTimeout(timer);
  }

  private next<T extends Reply["type"]>(expected: T): Promise<Extract<Reply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`no ${expected} from a load process`)),
        REPLY_TIMEOUT_MS,
      );
      const onMessage = (reply: Reply) => {
        if (reply.type === "failed" && "message" in reply)
          done(new Error(`load process: ${reply.message}`));
        else if (reply.type === expected) done(null, reply as Extract<Reply, { type: T }>);
      };
      const onExit = (code: number | null) => done(new Error(`load process exited with ${code}`));
      const done = (error: Error | null, reply?: Extract<Reply, { type: T }>) => {
        clearTimeout(timer);
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        if (error) reject(error);
        else if (reply) resolve(reply);
      };
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
    });
  }
}
