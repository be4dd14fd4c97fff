/**
 * `moat admin project create|list|delete` and `moat admin member set|remove|list`: projects and
 * their members, for an operator on the box (who acts as a system administrator; the audit log
 * names the actor `system`).
 */
import { Option, type Command } from 'commander';

import type { MemberInfo, ProjectInfo } from '../auth/services.js';
import type { AccessCommandContext, AccessCommandOptions } from './admin-access.js';
import { cliClient, formatTable } from './admin-token.js';
import type { CliIo } from './io.js';

interface FormatOptions extends AccessCommandOptions {
  format: 'table' | 'json';
}

interface MemberOptions extends FormatOptions {
  group?: boolean;
}

/** Adds `project …` and `member …` to the `admin` command. */
export function registerProjectCommands(admin: Command, io: CliIo): void {
  const common = (command: Command) =>
    command
      .option('--config <file>', 'configuration file (default: moat.yaml in the working directory)')
      .option('--data <dir>', 'data directory (default: dataDir, ./moat-data)')
      .addOption(
        new Option('-f, --format <format>', 'output format')
          .choices(['table', 'json'])
          .default('table'),
      );
  const project = admin
    .command('project')
    .description('projects: the first path component of repositories');

  common(project.command('create <name>').description('create a project (private unless --public)'))
    .option('--public', 'anyone, anonymous clients included, may pull from it')
    .action(async (name: string, options: FormatOptions & { public?: boolean }) => {
      await withServices(options, io, async ({ services }, operator) => {
        const info = await services.projects.createProject(
          operator,
          { name, public: options.public === true },
          cliClient,
        );
        print(io, options, projectView(info), `created project ${info.name}\n`);
      });
    });

  common(project.command('list').description('list every project')).action(
    async (options: FormatOptions) => {
      await withServices(options, io, async ({ services }, operator) => {
        const projects = await services.projects.listProjects(operator);
        const table = formatTable(
          ['PROJECT', 'VISIBILITY', 'CREATED'],
          projects.map((p) => [p.name, p.public ? 'public' : 'private', p.createdAt.toISOString()]),
        );
        print(
          io,
          options,
          projects.map(projectView),
          projects.length === 0 ? 'no projects\n' : table,
        );
      });
    },
  );

  common(
    project.command('delete <name>').description('delete a project that holds no repository'),
  ).action(async (name: string, options: FormatOptions) => {
    await withServices(options, io, async ({ services }, operator) => {
      await services.projects.deleteProject(operator, name, cliClient);
      print(io, options, { deleted: name }, `deleted project ${name}\n`);
    });
  });

  const member = admin
    .command('member')
    .description('project members: users and groups with a role');
  const memberOf = (command: Command) =>
    common(command).option('--group', 'the member is a group, not a user');

  memberOf(
    member
      .command('set <project> <name>')
      .description("set a user's (or --group's) role and classifications in a project"),
  )
    .requiredOption('--role <role>', 'projectAdmin, maintainer, developer, guest or limitedGuest')
    .option(
      '--classification <value...>',
      'classifications granted (moat.classification values, space- or comma-separated); none when absent',
    )
    .action(
      async (
        projectName: string,
        name: string,
        options: MemberOptions & { role: string; classification?: string[] },
      ) => {
        await withServices(options, io, async ({ services }, operator) => {
          const info = await services.projects.setMember(
            operator,
            projectName,
            {
              kind: options.group === true ? 'group' : 'user',
              name,
              // The service checks the role and answers INVALID_REQUEST for anything else.
              role: options.role as MemberInfo['role'],
              classifications: (options.classification ?? []).flatMap((value) => value.split(',')),
            },
            cliClient,
          );
          print(io, options, info, `${info.kind} ${info.name} is ${info.role} in ${projectName}\n`);
        });
      },
    );

  memberOf(
    member.command('remove <project> <name>').description('remove a member from a project'),
  ).action(async (projectName: string, name: string, options: MemberOptions) => {
    await withServices(options, io, async ({ services }, operator) => {
      const kind = options.group === true ? 'group' : 'user';
      await services.projects.removeMember(operator, projectName, { kind, name }, cliClient);
      print(
        io,
        options,
        { removed: `${kind}:${name}` },
        `removed ${kind} ${name} from ${projectName}\n`,
      );
    });
  });

  common(member.command('list <project>').description("list a project's members")).action(
    async (projectName: string, options: FormatOptions) => {
      await withServices(options, io, async ({ services }) => {
        const members = await services.projects.listMembers(projectName);
        const table = formatTable(
          ['MEMBER', 'KIND', 'ROLE', 'CLASSIFICATIONS'],
          members.map((m) => [m.name, m.kind, m.role, m.classifications.join(',')]),
        );
        print(io, options, members, members.length === 0 ? 'no members\n' : table);
      });
    },
  );
}

/** Runs `fn` with the access services and the operator's principal. */
async function withServices(
  options: AccessCommandOptions,
  io: CliIo,
  fn: (
    context: AccessCommandContext,
    operator: (typeof import('../auth/credentials/index.js'))['operator'],
  ) => Promise<void>,
): Promise<void> {
  const { withAccessServices } = await import('./admin-access.js');
  const { operator } = await import('../auth/credentials/index.js');
  await withAccessServices(options, io, (context) => fn(context, operator));
}

function print(io: CliIo, options: FormatOptions, json: unknown, text: string): void {
  io.stdout.write(options.format === 'json' ? `${JSON.stringify(json, null, 2)}\n` : text);
}

function projectView(info: ProjectInfo) {
  return { name: info.name, public: info.public, createdAt: info.createdAt.toISOString() };
}
