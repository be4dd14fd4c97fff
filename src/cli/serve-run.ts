/**
 * The action of `moat serve` (defined in serve.ts): loads the configuration, starts the server,
 * prints where it serves, and on SIGINT or SIGTERM closes it gracefully and returns (exit 0).
 */
import { nextTerminationSignal } from '../util/temp-files.js';
import type { CliIo } from './io.js';
import { loadConfigOfFlags } from './serve-config.js';
import type { ServeFlags } from './serve.js';
import { version } from './version.js';

/** `moat serve`: runs until SIGINT or SIGTERM. */
export async function runServe(flags: ServeFlags, io: CliIo): Promise<void> {
  const config = loadConfigOfFlags(flags);
  // Listening for signals before the start, so that a signal during it still closes gracefully.
  const termination = nextTerminationSignal();
  const { startServer } = await import('../server/app.js');
  let server;
  try {
    server = await startServer(config, {
      log: (message) => io.stderr.write(`moat: ${message}\n`),
      version,
    });
  } catch (error) {
    termination.cancel();
    throw error;
  }
  io.stderr.write(`moat: serving on ${server.url}\n`);
  const signal = await termination.signal;
  io.stderr.write(`moat: ${signal}: closing\n`);
  await server.close();
}
