/**
 * `moat admin token create|list|revoke`: personal access tokens, for an operator on the box — who
 * may create one for any user (the way to a first token, and what the end-to-end tests use). The
 * token is printed once, alone on stdout (`--format json` prints it with its details).
 */
import { Option, type Command } from 'commander';

import { MoatError } from '../errors.js';
import type { ClientInfo, TokenScope } from '../auth/model.js';
import type { TokenInfo, UserPrincipal } from '../auth/services.js';
import type { AccessCommandContext, AccessCommandOptions } from './admin-access.js';
import type { CliIo } from './io.js';

/** Where the CLI's changes come from in the audit log. */
export const cliClient: ClientInfo = { ip: 'local', userAgent: 'moat admin' };

interface TokenOptions extends AccessCommandOptions {
  user: string;
  format: 'table' | 'json';
}

/** Adds `token create|list|revoke` to the `admin` command. */
export function registerTokenCommands(admin: Command, io: CliIo): void {
  const token = admin.command('token').description('personal access tokens of users');
  const common = (command: Command) =>
    command
      .requiredOption('--user <username>', 'the user the token belongs to')
      .option('--config <file>', 'configuration file (default: moat.yaml in the working directory)')
      .option('--data <dir>', 'data directory (default: dataDir, ./moat-data)')
      .addOption(
        new Option('-f, --format <format>', 'output format')
          .choices(['table', 'json'])
          .default('table'),
      );

  common(token.command('create').description('create a token and print it (shown once)'))
    .requiredOption('--name <name>', 'a name for the token (A-Z a-z 0-9 . _ -)')
    .requiredOption(
      '--scopes <list>',
      'comma-separated: registry:pull, registry:push, registry:delete, api:read, api:write',
    )
    .option('--expires <duration>', 'lifetime such as 30d or 12h (default: never expires)')
    .action(async (options: TokenOptions & { name: string; scopes: string; expires?: string }) => {
      const expiresAt = await expiryOf(options.expires);
      await withUser(options, io, async ({ services }, user) => {
        const { token: text, info } = await services.credentials.createToken(
          user,
          {
            name: options.name,
            scopes: options.scopes.split(',').map((scope) => scope.trim()) as TokenScope[],
            ...(expiresAt !== undefined ? { expiresAt } : {}),
          },
          cliClient,
        );
        io.stdout.write(
          options.format === 'json'
            ? `${JSON.stringify({ token: text, ...info }, null, 2)}\n`
            : `${text}\n`,
        );
      });
    });

  common(
    token.command('list').description("list a user's tokens (never the tokens themselves)"),
  ).action(async (options: TokenOptions) => {
    await withUser(options, io, async ({ services }, user) => {
      const tokens = await services.credentials.listTokens(user);
      io.stdout.write(
        options.format === 'json' ? `${JSON.stringify(tokens, null, 2)}\n` : table(tokens),
      );
    });
  });

  common(token.command('revoke').description('revoke one of a user’s tokens'))
    .requiredOption('--id <id>', 'the token id (from token list)')
    .action(async (options: TokenOptions & { id: string }) => {
      await withUser(options, io, async ({ services }, user) => {
        await services.credentials.revokeToken(user, options.id, cliClient);
        io.stdout.write(
          options.format === 'json'
            ? `${JSON.stringify({ revoked: options.id })}\n`
            : `revoked ${options.id}\n`,
        );
      });
    });
}

/** Runs `fn` with the access services and the named user. */
async function withUser(
  options: TokenOptions,
  io: CliIo,
  fn: (context: AccessCommandContext, user: UserPrincipal) => Promise<void>,
): Promise<void> {
  const { withAccessServices } = await import('./admin-access.js');
  await withAccessServices(options, io, async (context) => {
    const info = await context.services.identity.getUser(options.user);
    if (!info) throw new MoatError('NOT_FOUND', `--user: no user ${options.user}`);
    const user: UserPrincipal = {
      kind: 'user',
      name: info.username,
      id: info.id,
      systemAdmin: info.systemAdmin,
    };
    await fn(context, user);
  });
}

/** The expiry `--expires` asks for, from now. */
export async function expiryOf(expires: string | undefined): Promise<Date | undefined> {
  if (expires === undefined) return undefined;
  // Loaded here: command definitions load nothing but commander (start-up speed).
  const { parseDuration } = await import('../server/config-values.js');
  const ms = parseDuration(expires);
  if (ms === undefined || ms <= 0) {
    throw new MoatError('USAGE', `--expires: ${expires} is not a duration such as 30d or 12h`);
  }
  return new Date(Date.now() + ms);
}

function table(tokens: TokenInfo[]): string {
  if (tokens.length === 0) return 'no tokens\n';
  const rows = tokens.map((info) => [
    info.id,
    info.name,
    info.scopes.join(','),
    info.expiresAt?.toISOString() ?? 'never',
    info.lastUsedAt?.toISOString() ?? '-',
    info.revoked ? 'revoked' : 'active',
  ]);
  return formatTable(['ID', 'NAME', 'SCOPES', 'EXPIRES', 'LAST USED', 'STATE'], rows);
}

/** Columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    rows.reduce((widest, row) => Math.max(widest, (row[column] ?? '').length), title.length),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}
