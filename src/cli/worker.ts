/**
 * `moat worker`: a process that runs background jobs (scans, rescans) taken from Redis, beside
 * the `moat serve` processes of a scaled-out registry. It reads the same configuration as
 * `moat serve` (`moat.yaml`, `MOAT_*`, flags) and needs `jobs.redisUrl`. Only the command
 * definition lives here; the action loads worker-run.ts.
 */
import type { Command } from 'commander';

import type { CliIo } from './io.js';

/** The flags of `moat worker`, as commander parses them. */
export interface WorkerFlags {
  config?: string;
  data?: string;
  logLevel?: string;
}

/** Adds the `worker` command to `program`. */
export function registerWorkerCommand(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description(
      'run background jobs (scans, rescans) from Redis for the moat serve processes (needs jobs.redisUrl / MOAT_REDIS_URL)',
    )
    .option('--config <file>', 'configuration file (default: moat.yaml when present)')
    .option('--data <dir>', 'data directory (default: ./moat-data)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .action(async (flags: WorkerFlags) => {
      await (await import('./worker-run.js')).runWorker(flags, io);
    });
}
