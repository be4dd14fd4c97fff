/**
 * The permission matrix, cell by cell: every action × column of the table in
 * `docs/permissions.md` is checked against the real authorizer over a real database, so the
 * document and the code cannot drift apart.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { projectActions, projectRoles, type Principal, type ProjectAction } from '../model.js';
import {
  addUser,
  auditEvents,
  engines,
  openAccessTestDatabase,
  type AccessTestDatabase,
} from './__fixtures__/access-database.js';
import { createAuthorizer } from './authorizer.js';
import { createProjects } from './projects.js';

const client = { ip: '127.0.0.1' };

/** The matrix as the document writes it: action → column header → allowed. */
function documentedMatrix(): Map<string, Map<string, boolean>> {
  const text = readFileSync(new URL('../../../docs/permissions.md', import.meta.url), 'utf8');
  const rows = text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, line.lastIndexOf('|'))
        .split('|')
        .map((cell) => cell.trim()),
    );
  const headerIndex = rows.findIndex((cells) => cells[0] === 'action');
  const header = rows[headerIndex] ?? [];
  const matrix = new Map<string, Map<string, boolean>>();
  for (const cells of rows.slice(headerIndex + 2)) {
    const action = /^`([a-z:]+)`$/.exec(cells[0] ?? '')?.[1];
    if (action === undefined) continue;
    const row = new Map<string, boolean>();
    header.forEach((column, index) => {
      const cell = cells[index];
      if (cell === '✓') row.set(column, true);
      else if (cell === '—') row.set(column, false);
    });
    matrix.set(action, row);
  }
  return matrix;
}

const matrix = documentedMatrix();
const columns = [
  ...projectRoles,
  'systemAdmin',
  'non-member, public project',
  'non-member, private project',
] as const;

describe('docs/permissions.md', () => {
  it('has a row for every action and a ✓ or — in every column', () => {
    expect([...matrix.keys()]).toEqual([...projectActions]);
    for (const [, row] of matrix) expect([...row.keys()].sort()).toEqual([...columns].sort());
  });
});

describe.each(engines)('the permission matrix on %s', (engine) => {
  let db: AccessTestDatabase;
  /** Who stands for each column, in which project. */
  const subjects = new Map<string, { principals: Principal[]; project: string }>();

  beforeAll(async () => {
    db = await openAccessTestDatabase(engine);
    const projects = createProjects({ database: db.database, audit: auditEvents() });
    const root: Principal = { kind: 'user', name: 'root', systemAdmin: true };
    await addUser(db.database, 'root', { systemAdmin: true });
    await projects.createProject(root, { name: 'private', public: false }, client);
    await projects.createProject(root, { name: 'public', public: true }, client);
    for (const role of projectRoles) {
      const name = role.toLowerCase();
      await addUser(db.database, name);
      // The same role in both projects: a member's rights do not depend on visibility.
      for (const project of ['private', 'public']) {
        await projects.setMember(root, project, { kind: 'user', name, role }, client);
      }
      subjects.set(role, { principals: [{ kind: 'user', name }], project: 'private' });
    }
    await addUser(db.database, 'outsider');
    const outsiders: Principal[] = [
      { kind: 'user', name: 'outsider' },
      { kind: 'anonymous', name: '' },
    ];
    subjects.set('systemAdmin', { principals: [root], project: 'private' });
    subjects.set('non-member, public project', { principals: outsiders, project: 'public' });
    subjects.set('non-member, private project', { principals: outsiders, project: 'private' });
  });
  afterAll(() => db.close());

  it('allows exactly the documented cells, for every role and action', async () => {
    const authorizer = createAuthorizer({
      projects: createProjects({ database: db.database, audit: auditEvents() }),
    });
    const actual: string[] = [];
    const expected: string[] = [];
    for (const [action, row] of matrix) {
      for (const [column, allowed] of row) {
        const subject = subjects.get(column);
        expect(subject, column).toBeDefined();
        for (const principal of subject?.principals ?? []) {
          const cell = `${action} × ${column} (${principal.kind} ${principal.name})`;
          expected.push(`${cell}: ${allowed}`);
          const can = await authorizer.can(
            principal,
            subject?.project ?? '',
            action as ProjectAction,
          );
          actual.push(`${cell}: ${can}`);
        }
      }
    }
    expect(actual).toEqual(expected);
    expect(actual).toHaveLength(projectActions.length * (columns.length + 2));
  });
});
