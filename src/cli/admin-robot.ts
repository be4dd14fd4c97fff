/**
 * `moat admin robot create|list|rotate|disable|enable|delete`: robot accounts, for an operator on
 * the box. `create` and `rotate` print the secret once, alone on stdout (`--format json` prints it
 * with the robot's details).
 */
import { Option, type Command } from 'commander';

import { MoatError } from '../errors.js';
import type { ProjectAction, RobotPermission } from '../auth/model.js';
import type { RobotInfo } from '../auth/services.js';
import type { AccessCommandContext, AccessCommandOptions } from './admin-access.js';
import { cliClient, expiryOf, formatTable } from './admin-token.js';
import type { CliIo } from './io.js';

interface RobotOptions extends AccessCommandOptions {
  format: 'table' | 'json';
}

interface CreateOptions extends RobotOptions {
  name: string;
  project?: string;
  projects?: string;
  permissions: string;
  description?: string;
  expires?: string;
}

/** Adds `robot …` to the `admin` command. */
export function registerRobotCommands(admin: Command, io: CliIo): void {
  const robot = admin.command('robot').description('robot accounts (robot$<project>+<name>)');
  const common = (command: Command) =>
    command
      .option('--config <file>', 'configuration file (default: moat.yaml in the working directory)')
      .option('--data <dir>', 'data directory (default: dataDir, ./moat-data)')
      .addOption(
        new Option('-f, --format <format>', 'output format')
          .choices(['table', 'json'])
          .default('table'),
      );

  common(robot.command('create').description('create a robot and print its secret (shown once)'))
    .requiredOption('--name <name>', 'the robot’s own name (a-z 0-9 . _ -)')
    .option('--project <project>', 'a project robot (default: a system robot)')
    .requiredOption('--permissions <list>', 'comma-separated actions, e.g. pull,push')
    .option(
      '--projects <list>',
      'a system robot’s projects, comma-separated, or * for every project',
    )
    .option('--description <text>', 'what the robot is for')
    .option('--expires <duration>', 'lifetime such as 90d (default: never expires)')
    .action(async (options: CreateOptions) => {
      const expiresAt = await expiryOf(options.expires);
      const permissions = permissionsOf(options);
      await run(options, io, async ({ services }) => {
        const { secret, info } = await services.credentials.createRobot(
          (await import('../auth/credentials/index.js')).operator,
          {
            name: options.name,
            ...(options.project !== undefined ? { project: options.project } : {}),
            ...(options.description !== undefined ? { description: options.description } : {}),
            permissions,
            ...(expiresAt !== undefined ? { expiresAt } : {}),
          },
          cliClient,
        );
        io.stdout.write(
          options.format === 'json'
            ? `${JSON.stringify({ secret, ...info }, null, 2)}\n`
            : `${secret}\n`,
        );
        if (options.format !== 'json') io.stderr.write(`moat: created ${info.name}\n`);
      });
    });

  common(robot.command('list').description('list the robots of a project, or the system robots'))
    .option('--project <project>', 'the project (default: system robots)')
    .action(async (options: RobotOptions & { project?: string }) => {
      await run(options, io, async ({ services }) => {
        const robots = await services.credentials.listRobots(options.project);
        io.stdout.write(
          options.format === 'json' ? `${JSON.stringify(robots, null, 2)}\n` : table(robots),
        );
      });
    });

  common(
    robot.command('rotate <name>').description('a new secret (the old one stops working)'),
  ).action(async (name: string, options: RobotOptions) => {
    await run(options, io, async ({ services }) => {
      const { operator } = await import('../auth/credentials/index.js');
      const { secret } = await services.credentials.rotateRobotSecret(operator, name, cliClient);
      io.stdout.write(
        options.format === 'json'
          ? `${JSON.stringify({ name, secret }, null, 2)}\n`
          : `${secret}\n`,
      );
    });
  });

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    common(robot.command(`${verb} <name>`).description(`${verb} a robot`)).action(
      async (name: string, options: RobotOptions) => {
        await run(options, io, async ({ services }) => {
          const { operator } = await import('../auth/credentials/index.js');
          const info = await services.credentials.updateRobot(
            operator,
            name,
            { disabled },
            cliClient,
          );
          io.stdout.write(
            options.format === 'json'
              ? `${JSON.stringify(info, null, 2)}\n`
              : `${verb}d ${info.name}\n`,
          );
        });
      },
    );
  }

  common(robot.command('delete <name>').description('delete a robot')).action(
    async (name: string, options: RobotOptions) => {
      await run(options, io, async ({ services }) => {
        const { operator } = await import('../auth/credentials/index.js');
        await services.credentials.deleteRobot(operator, name, cliClient);
        io.stdout.write(
          options.format === 'json'
            ? `${JSON.stringify({ deleted: name })}\n`
            : `deleted ${name}\n`,
        );
      });
    },
  );
}

async function run(
  options: RobotOptions,
  io: CliIo,
  fn: (context: AccessCommandContext) => Promise<void>,
): Promise<void> {
  const { withAccessServices } = await import('./admin-access.js');
  await withAccessServices(options, io, fn);
}

/** `--permissions` on `--project`, or on each of `--projects` for a system robot. */
function permissionsOf(options: CreateOptions): RobotPermission[] {
  const actions = options.permissions.split(',').map((action) => action.trim()) as ProjectAction[];
  if (options.project !== undefined) {
    if (options.projects !== undefined) {
      throw new MoatError('USAGE', '--projects is for system robots: leave out --project');
    }
    return [{ project: options.project, actions }];
  }
  if (options.projects === undefined) {
    throw new MoatError(
      'USAGE',
      'a system robot needs --projects (a list, or * for every project)',
    );
  }
  return options.projects.split(',').map((project) => ({ project: project.trim(), actions }));
}

function table(robots: RobotInfo[]): string {
  if (robots.length === 0) return 'no robots\n';
  const rows = robots.map((info) => [
    info.name,
    info.permissions
      .map((permission) => `${permission.project}:${permission.actions.join(',')}`)
      .join(' '),
    info.expiresAt?.toISOString() ?? 'never',
    info.disabled ? 'disabled' : 'enabled',
  ]);
  return formatTable(['NAME', 'PERMISSIONS', 'EXPIRES', 'STATE'], rows);
}
