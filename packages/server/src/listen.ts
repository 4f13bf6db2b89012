import type { AddressInfo, Server } from "node:net";
import { ConfigError } from "./config.ts";

/**
 * Listens, or fails with one line that names the variable to change: a busy port is the commonest
 * reason a first start fails, and a stack trace would not say what to do.
 */
export function listen(
  server: Server,
  port: number,
  host: string,
  variable: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(listenError(error, { port, host, variable }));
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export function listenError(
  error: NodeJS.ErrnoException,
  { port, host, variable }: { port: number; host: string; variable: string },
): Error {
  switch (error.code) {
    case "EADDRINUSE":
      return new ConfigError(
        `port ${port} is already in use (by another program, or Conclave running already): set ${variable} to another port`,
      );
    case "EACCES":
      return new ConfigError(
        `not allowed to listen on port ${port} (ports below 1024 need root): set ${variable} to a port above 1023`,
      );
    case "EADDRNOTAVAIL":
      return new ConfigError(`${host} is not an address of this machine: set ${variable}`);
    default:
      return error;
  }
}
