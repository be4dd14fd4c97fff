/**
 * The action of `moat worker` (defined in worker.ts): loads the configuration as `moat serve`
 * does, opens the stores, the access services (secret box, audit log) and scanning with this
 * process taking jobs, and on SIGINT or SIGTERM stops taking jobs, lets running ones finish (up
 * to 10 s; a job cut short is retried by another process once its lock expires) and returns.
 * Logs are JSON lines on stderr; the Redis URL never appears in them.
 */
import { MoatError } from '../errors.js';
import type { ScanLog } from '../jobs/scan-run.js';
import type { LogLevel } from '../server/config-values.js';
import { nextTerminationSignal } from '../util/temp-files.js';
import type { CliIo } from './io.js';
import { loadConfigOfFlags } from './serve-config.js';
import { version } from './version.js';
import type { WorkerFlags } from './worker.js';

const levels: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

/** JSON log lines (pino's shape) on `io.stderr`, errors reduced to their name, code and message. */
function jsonLog(io: CliIo, level: LogLevel): ScanLog {
  const write = (at: 'info' | 'warn', object: object, msg: string) => {
    if (levels[at] < levels[level]) return;
    const fields = Object.fromEntries(
      Object.entries(object).map(([key, value]) => [
        key,
        value instanceof Error
          ? { type: value.name, code: (value as { code?: unknown }).code, message: value.message }
          : value,
      ]),
    );
    io.stderr.write(
      `${JSON.stringify({ level: levels[at], time: Date.now(), pid: process.pid, ...fields, msg })}\n`,
    );
  };
  return {
    info: (object, msg) => write('info', object, msg),
    warn: (object, msg) => write('warn', object, msg),
  };
}

/** `moat worker`: runs until SIGINT or SIGTERM. */
export async function runWorker(flags: WorkerFlags, io: CliIo): Promise<void> {
  const config = loadConfigOfFlags(flags);
  if (config.jobs.redisUrl === undefined) {
    throw new MoatError(
      'USAGE',
      'moat worker takes jobs from Redis: set jobs.redisUrl (MOAT_REDIS_URL); without it moat serve runs its jobs itself',
    );
  }
  const termination = nextTerminationSignal();
  const [{ openStores }, { openAccessServices }, { openScanning }] = await Promise.all([
    import('../store/open.js'),
    import('../auth/open.js'),
    import('../jobs/scan-open.js'),
  ]);
  const message = (text: string) => io.stderr.write(`moat: ${text}\n`);
  const stores = await openStores(config.stores);
  try {
    const access = await openAccessServices({
      database: stores.database,
      config: config.auth,
      dataDir: config.dataDir,
      log: message,
      bootstrap: false,
    });
    try {
      const scanning = await openScanning({
        config,
        stores,
        audit: access.audit,
        secrets: access.secrets,
        log: jsonLog(io, config.log.level),
        version,
      });
      message(`worker ${process.pid} taking jobs (${config.jobs.concurrency} at once)`);
      const signal = await termination.signal;
      message(`${signal}: finishing running jobs`);
      await scanning.close(10_000);
    } finally {
      await access.close();
    }
  } catch (error) {
    termination.cancel();
    throw error;
  } finally {
    await stores.close();
  }
}
