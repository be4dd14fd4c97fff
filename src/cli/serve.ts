/**
 * `moat serve`: the OCI registry. Only the command definition lives here; the action loads
 * serve-run.ts, which loads the server (Fastify, the stores, the database drivers) — none of it is
 * loaded by `moat scan` or `moat --help`.
 */
import type { Command } from 'commander';

import type { CliIo } from './io.js';

/** The flags of `moat serve`, as commander parses them. */
export interface ServeFlags {
  config?: string;
  listen?: string;
  data?: string;
  tlsCert?: string;
  tlsKey?: string;
  allowPlainHttp?: boolean;
  logLevel?: string;
}

/** Adds the `serve` command to `program`. */
export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the OCI registry (embedded SQLite and filesystem storage by default)')
    .option('--config <file>', 'configuration file (default: moat.yaml when present)')
    .option('--listen <addr>', 'address to listen on (default: 127.0.0.1:5000)')
    .option('--data <dir>', 'data directory (default: ./moat-data)')
    .option('--tls-cert <file>', 'PEM certificate chain: serve HTTPS')
    .option('--tls-key <file>', 'PEM private key of the certificate')
    .option('--allow-plain-http', 'serve plain HTTP on an address other machines reach')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .action(async (flags: ServeFlags) => {
      await (await import('./serve-run.js')).runServe(flags, io);
    });
}
