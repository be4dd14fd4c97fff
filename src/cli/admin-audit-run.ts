/**
 * The actions of `moat admin audit …` and `moat admin rotate-master-key` (see `admin-audit.ts`).
 * `verify` prints the verdict and, when intact, the chain head (note it elsewhere: it shows later
 * whether entries were cut from the end together with the head); broken is exit code 3.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

import { openAuditLog } from '../auth/audit/log.js';
import type { AuditEntry } from '../auth/model.js';
import { openSecretBox, type MasterKeySecretBox } from '../auth/secrets/box.js';
import { masterKeyPath, prependMasterKey } from '../auth/secrets/master-key.js';
import { MoatError } from '../errors.js';
import type { ServeConfig } from '../server/config.js';
import { openStores } from '../store/open.js';
import { withAccessServices, type AccessCommandOptions } from './admin-access.js';
import { ExitCodeError, type CliIo } from './io.js';
import { loadConfigOfFlags } from './serve-config.js';

/** Options every audit command takes (filters where they apply). */
export interface AuditCommandOptions extends AccessCommandOptions {
  actor?: string;
  action?: string;
  target?: string;
  outcome?: string;
  since?: string;
  until?: string;
}

/** Options of `moat admin audit list`. */
export interface AuditListOptions extends AuditCommandOptions {
  after?: string;
  limit: string;
  format: 'table' | 'json';
}

/** Options of `moat admin rotate-master-key`. */
export interface RotateOptions extends AccessCommandOptions {
  generate?: boolean;
}

/** `moat admin audit verify`. */
export async function runAuditVerify(
  options: AccessCommandOptions & { format: 'table' | 'json' },
  io: CliIo,
): Promise<void> {
  const result = await withAccessServices(options, io, async ({ services }) => {
    const verdict = await services.audit.verify();
    const head =
      verdict.ok && verdict.entries > 0
        ? (await services.audit.query({ afterSeq: verdict.entries - 1, limit: 1 }))[0]
        : undefined;
    return { verdict, head: head && `${head.seq}:${head.hash}` };
  });
  const { verdict, head } = result;
  if (options.format === 'json') {
    io.stdout.write(`${JSON.stringify({ ...verdict, ...(head ? { head } : {}) }, null, 2)}\n`);
  } else if (verdict.ok) {
    io.stdout.write(
      `audit log intact: ${verdict.entries} entries${head ? `, head ${head}` : ''}\n`,
    );
  } else {
    io.stdout.write(
      `audit log broken at entry ${verdict.firstBadSeq}: ${verdict.reason} (${verdict.entries} entries verified before it)\n`,
    );
  }
  if (!verdict.ok) throw new ExitCodeError(3);
}

/** `moat admin audit list`. */
export async function runAuditList(options: AuditListOptions, io: CliIo): Promise<void> {
  const limit = integerOption('--limit', options.limit, 1, 1000);
  const after =
    options.after === undefined ? undefined : integerOption('--after', options.after, 0, 1e15);
  const entries = await withAccessServices(options, io, ({ services }) =>
    services.audit.query({
      ...filterOf(options),
      ...(after !== undefined ? { afterSeq: after } : {}),
      limit,
    }),
  );
  if (options.format === 'json') {
    io.stdout.write(`${JSON.stringify(entries.map(jsonOf), null, 2)}\n`);
    return;
  }
  const lines = entries.map((entry) =>
    [
      entry.seq,
      entry.time.toISOString(),
      `${entry.actor}(${entry.actorKind})`,
      entry.clientIp || '-',
      entry.action,
      entry.target,
      entry.outcome,
      entry.details ? JSON.stringify(entry.details) : '',
    ].join('  '),
  );
  io.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : 'no entries\n');
}

/** `moat admin audit export`. */
export async function runAuditExport(
  options: AuditCommandOptions & { output?: string },
  io: CliIo,
): Promise<void> {
  const filter = filterOf(options);
  await withAccessServices(options, io, async ({ services }) => {
    const out =
      options.output === undefined ? io.stdout : createWriteStream(options.output, { flags: 'wx' });
    for await (const entry of services.audit.entries(filter)) {
      if (!out.write(`${JSON.stringify(jsonOf(entry))}\n`)) await once(out, 'drain');
    }
    if (out !== io.stdout) {
      out.end();
      await once(out, 'finish');
    }
  });
}

/** `moat admin rotate-master-key`. */
export async function runRotateMasterKey(options: RotateOptions, io: CliIo): Promise<void> {
  const config = loadConfigOfFlags({ config: options.config, data: options.data });
  const log = (message: string) => io.stderr.write(`moat: ${message}\n`);
  const stores = await openStores(config.stores);
  try {
    // Opening first checks the current key against the database before anything changes.
    let secrets = await openBox(config, stores.database, log);
    if (options.generate === true) {
      const path = masterKeyPath({ ...keySource(config), dataDir: config.dataDir });
      if (path === undefined) {
        throw new MoatError(
          'USAGE',
          '--generate: the master key comes from MOAT_MASTER_KEY; set it to "new,old" on every process, then run without --generate',
        );
      }
      prependMasterKey(path);
      secrets = await openBox(config, stores.database, log);
    }
    const audit = await openAuditLog({ database: stores.database, secrets, log });
    const report = await secrets.rotate();
    audit.record({
      actor: 'system',
      actorKind: 'system',
      clientIp: 'local',
      action: 'secrets.rotate',
      target: `master-key:${report.keyId}`,
      outcome: 'success',
      details: { resealed: report.resealed },
    });
    await audit.flush();
    io.stdout.write(
      `re-encrypted ${report.resealed} secrets under master key ${report.keyId}; every secret is now under it\n`,
    );
  } finally {
    await stores.close();
  }
}

function keySource(config: ServeConfig) {
  return {
    ...(config.auth.masterKey !== undefined ? { masterKey: config.auth.masterKey } : {}),
    ...(config.auth.masterKeyFile !== undefined
      ? { masterKeyFile: config.auth.masterKeyFile }
      : {}),
  };
}

function openBox(
  config: ServeConfig,
  database: Parameters<typeof openSecretBox>[0]['database'],
  log: (message: string) => void,
): Promise<MasterKeySecretBox> {
  return openSecretBox({ database, ...keySource(config), dataDir: config.dataDir, log });
}

function filterOf(options: AuditCommandOptions) {
  return {
    ...(options.actor !== undefined ? { actor: options.actor } : {}),
    ...(options.action !== undefined ? { action: options.action } : {}),
    ...(options.target !== undefined ? { target: options.target } : {}),
    ...(options.outcome !== undefined ? { outcome: options.outcome } : {}),
    ...(options.since !== undefined ? { since: timeOption('--since', options.since) } : {}),
    ...(options.until !== undefined ? { until: timeOption('--until', options.until) } : {}),
  };
}

function jsonOf(entry: AuditEntry) {
  return { ...entry, time: entry.time.toISOString() };
}

function integerOption(name: string, text: string, min: number, max: number): number {
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new MoatError(
      'USAGE',
      `${name}: ${text.slice(0, 20)} is not a whole number from ${min} to ${max}`,
    );
  }
  return value;
}

function timeOption(name: string, text: string): Date {
  const iso = /^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:\d\d))?$/;
  const time = iso.test(text) ? new Date(text) : undefined;
  if (time === undefined || Number.isNaN(time.getTime())) {
    throw new MoatError('USAGE', `${name}: not an ISO 8601 time such as 2026-12-01T00:00:00Z`);
  }
  return time;
}
