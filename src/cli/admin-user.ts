/**
 * `moat admin user create|list|update|delete|revoke-sessions`: user accounts, for an operator on
 * the box (who acts as a system administrator; the audit log names the actor `system`). A
 * password never goes on the command line, where `ps` would show it: it comes from
 * `MOAT_USER_PASSWORD`, from standard input (`--password-stdin`), or is generated and printed
 * once.
 */
import { Option, type Command } from 'commander';

import type { ClientInfo } from '../auth/model.js';
import type { UserInfo } from '../auth/services.js';
import { MoatError } from '../errors.js';
import type { AccessCommandContext, AccessCommandOptions } from './admin-access.js';
import type { CliIo } from './io.js';

const client: ClientInfo = { ip: 'local', userAgent: 'moat admin' };
/** The longest password read from standard input (the policy's limit is 1024). */
const maxStdinBytes = 4096;

interface UserOptions extends AccessCommandOptions {
  format: 'table' | 'json';
}

interface PasswordOptions {
  passwordStdin?: boolean;
}

/** Adds `user create|list|update|delete|revoke-sessions` to the `admin` command. */
export function registerUserCommands(admin: Command, io: CliIo): void {
  const user = admin.command('user').description('user accounts');
  const common = (command: Command) =>
    command
      .option('--config <file>', 'configuration file (default: moat.yaml in the working directory)')
      .option('--data <dir>', 'data directory (default: dataDir, ./moat-data)')
      .addOption(
        new Option('-f, --format <format>', 'output format')
          .choices(['table', 'json'])
          .default('table'),
      );

  common(user.command('create <username>').description('create a user'))
    .option('--email <address>', 'e-mail address')
    .option('--system-admin', 'make the user a system administrator')
    .option(
      '--password-stdin',
      'read the password from standard input (else MOAT_USER_PASSWORD, else generated)',
    )
    .action(
      async (
        username: string,
        options: UserOptions & PasswordOptions & { email?: string; systemAdmin?: boolean },
      ) => {
        const { password, generated } = await passwordOf(options);
        await withServices(options, io, async ({ services }) => {
          const info = await services.identity.createUser(
            {
              username,
              password,
              ...(options.email !== undefined ? { email: options.email } : {}),
              systemAdmin: options.systemAdmin ?? false,
            },
            undefined,
            client,
          );
          printChange(
            io,
            options,
            `created user ${info.username}`,
            info,
            generated ? password : undefined,
          );
        });
      },
    );

  common(user.command('list').description('list users')).action(async (options: UserOptions) => {
    await withServices(options, io, async ({ services }) => {
      const users: UserInfo[] = [];
      for (let after: string | undefined; ;) {
        const page = await services.identity.listUsers({
          limit: 1000,
          ...(after ? { after } : {}),
        });
        for (const one of page) users.push(one);
        after = page.at(-1)?.username;
        if (page.length < 1000) break;
      }
      io.stdout.write(
        options.format === 'json' ? `${JSON.stringify(users, null, 2)}\n` : table(users),
      );
    });
  });

  common(user.command('update <username>').description('change a user'))
    .option('--email <address>', 'set the e-mail address')
    .option('--clear-email', 'remove the e-mail address')
    .option('--system-admin', 'make the user a system administrator')
    .option('--no-system-admin', 'make the user an ordinary user')
    .option('--disable', 'disable the account (its sessions end)')
    .option('--enable', 'enable the account again')
    .option('--new-password', 'set a new password (MOAT_USER_PASSWORD, else generated and printed)')
    .option('--password-stdin', 'set a new password read from standard input')
    .action(
      async (
        username: string,
        options: UserOptions &
          PasswordOptions & {
            email?: string;
            clearEmail?: boolean;
            systemAdmin?: boolean;
            disable?: boolean;
            enable?: boolean;
            newPassword?: boolean;
          },
      ) => {
        if (options.disable && options.enable) {
          throw new MoatError('USAGE', '--disable and --enable contradict each other');
        }
        if (options.email !== undefined && options.clearEmail) {
          throw new MoatError('USAGE', '--email and --clear-email contradict each other');
        }
        const wantsPassword = options.newPassword === true || options.passwordStdin === true;
        const secret = wantsPassword ? await passwordOf(options) : undefined;
        const change = {
          ...(options.email !== undefined ? { email: options.email } : {}),
          ...(options.clearEmail ? { email: null } : {}),
          ...(options.systemAdmin !== undefined ? { systemAdmin: options.systemAdmin } : {}),
          ...(options.disable ? { disabled: true } : {}),
          ...(options.enable ? { disabled: false } : {}),
          ...(secret ? { password: secret.password } : {}),
        };
        if (Object.keys(change).length === 0) throw new MoatError('USAGE', 'nothing to change');
        await withServices(options, io, async ({ services }) => {
          const info = await services.identity.updateUser(username, change, undefined, client);
          printChange(
            io,
            options,
            `updated user ${info.username}`,
            info,
            secret?.generated ? secret.password : undefined,
          );
        });
      },
    );

  common(
    user
      .command('delete <username>')
      .description('delete a user with its sessions, tokens and memberships'),
  ).action(async (username: string, options: UserOptions) => {
    await withServices(options, io, async ({ services }) => {
      await services.identity.deleteUser(username, undefined, client);
      io.stdout.write(
        options.format === 'json'
          ? `${JSON.stringify({ deleted: username })}\n`
          : `deleted user ${username}\n`,
      );
    });
  });

  common(
    user.command('revoke-sessions <username>').description('end every session of a user'),
  ).action(async (username: string, options: UserOptions) => {
    await withServices(options, io, async ({ services }) => {
      const revoked = await services.identity.revokeSessions(username, undefined, client);
      io.stdout.write(
        options.format === 'json'
          ? `${JSON.stringify({ user: username, revoked })}\n`
          : `ended ${revoked} session${revoked === 1 ? '' : 's'} of ${username}\n`,
      );
    });
  });
}

async function withServices(
  options: AccessCommandOptions,
  io: CliIo,
  fn: (context: AccessCommandContext) => Promise<void>,
): Promise<void> {
  const { withAccessServices } = await import('./admin-access.js');
  await withAccessServices(options, io, fn);
}

/** The password to set: `MOAT_USER_PASSWORD`, standard input, or a generated one. */
async function passwordOf(
  options: PasswordOptions,
): Promise<{ password: string; generated: boolean }> {
  if (options.passwordStdin) return { password: await readStdinLine(), generated: false };
  const fromEnv = process.env.MOAT_USER_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return { password: fromEnv, generated: false };
  const { generatePassword } = await import('../auth/password.js');
  return { password: generatePassword(), generated: true };
}

async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.length > maxStdinBytes)
      throw new MoatError('USAGE', '--password-stdin: the input is too long');
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new MoatError('USAGE', '--password-stdin: standard input was empty');
  return password;
}

function printChange(
  io: CliIo,
  options: UserOptions,
  message: string,
  info: UserInfo,
  generatedPassword: string | undefined,
): void {
  if (options.format === 'json') {
    const body = {
      ...info,
      ...(generatedPassword !== undefined ? { password: generatedPassword } : {}),
    };
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  io.stdout.write(`${message}\n`);
  if (generatedPassword !== undefined)
    io.stdout.write(`password: ${generatedPassword} (shown once)\n`);
}

function table(users: UserInfo[]): string {
  if (users.length === 0) return 'no users\n';
  const rows = users.map((u) => [
    u.username,
    u.systemAdmin ? 'admin' : '',
    u.disabled ? 'disabled' : '',
    u.totpEnabled ? 'totp' : u.mustEnrolTwoFactor ? 'must enrol' : '',
    u.email ?? '',
  ]);
  const header = ['USERNAME', 'ROLE', 'STATE', '2FA', 'EMAIL'];
  const widths = header.map((h, i) =>
    rows.reduce((width, row) => Math.max(width, (row[i] ?? '').length), h.length),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}
