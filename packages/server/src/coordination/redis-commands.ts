/**
 * What the coordination code needs of a Redis connection: one command at a time, its reply
 * untyped. Every reply is parsed (zod) where it is used: Redis is shared by every node, so what
 * it returns is input like any other.
 */
export interface RedisCommands {
  sendCommand(args: readonly string[]): Promise<unknown>;
}
