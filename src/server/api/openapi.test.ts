/**
 * The OpenAPI document of `/api/v1`: valid OpenAPI 3.1 (the document's shape checked with ajv
 * against the rules of the specification that matter here, every embedded schema compiled as
 * JSON Schema 2020-12 in strict mode), and what it says about each route true.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { openAccessServices } from '../../auth/open.js';
import { openStores } from '../../store/open.js';
import { buildOpenApiDocument } from './openapi.js';
import { apiRoutes } from './routes/index.js';
import { apiRoute, type ApiRoute } from './types.js';

type Json = Record<string, unknown>;

const operationMethods = ['get', 'put', 'post', 'delete', 'patch'];

/** The parts of the OpenAPI 3.1 schema (spec §4.8) a generated document can get wrong. */
const documentShape = {
  type: 'object',
  required: ['openapi', 'info', 'paths'],
  properties: {
    openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
    info: {
      type: 'object',
      required: ['title', 'version'],
      properties: { title: { type: 'string' }, version: { type: 'string' } },
    },
    servers: { type: 'array', items: { type: 'object', required: ['url'] } },
    paths: {
      type: 'object',
      propertyNames: { pattern: '^/' },
      additionalProperties: {
        type: 'object',
        propertyNames: { enum: operationMethods },
        additionalProperties: { $ref: '#/$defs/operation' },
      },
    },
    components: {
      type: 'object',
      properties: {
        schemas: { type: 'object', additionalProperties: { type: 'object' } },
        securitySchemes: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            required: ['type'],
            properties: { type: { enum: ['apiKey', 'http', 'oauth2', 'openIdConnect'] } },
          },
        },
      },
    },
  },
  $defs: {
    operation: {
      type: 'object',
      required: ['responses'],
      properties: {
        operationId: { type: 'string', pattern: '^[A-Za-z0-9]+$' },
        summary: { type: 'string' },
        tags: { type: 'array', items: { type: 'string' } },
        parameters: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'in', 'schema'],
            properties: {
              name: { type: 'string' },
              in: { enum: ['path', 'query', 'header', 'cookie'] },
              required: { type: 'boolean' },
              schema: { type: 'object' },
            },
            // A path parameter must be required (§4.8.12.1).
            if: { properties: { in: { const: 'path' } } },
            then: { required: ['required'], properties: { required: { const: true } } },
          },
        },
        requestBody: {
          type: 'object',
          required: ['content'],
          properties: { content: { $ref: '#/$defs/content' } },
        },
        responses: {
          type: 'object',
          minProperties: 1,
          propertyNames: { pattern: '^([1-5][0-9X]{2}|default)$' },
          additionalProperties: {
            type: 'object',
            required: ['description'],
            properties: {
              description: { type: 'string' },
              content: { $ref: '#/$defs/content' },
            },
          },
        },
        security: { type: 'array', items: { type: 'object' } },
      },
    },
    content: {
      type: 'object',
      propertyNames: { pattern: '^[a-z]+/[a-z0-9.+-]+$' },
      additionalProperties: { type: 'object', required: ['schema'] },
    },
  },
};

const routes: ApiRoute[] = [
  apiRoute({
    method: 'POST',
    path: '/projects/{project}/members/{user}',
    summary: 'Sets a member',
    tag: 'projects',
    auth: 'user',
    params: z.object({ project: z.string().max(64), user: z.string().max(64) }),
    body: z.strictObject({
      role: z.enum(['guest', 'developer']),
      classifications: z.array(z.string()).max(16).optional(),
      until: z.date().optional(),
    }),
    response: z.object({ name: z.string(), createdAt: z.date() }),
    status: 201,
    handler: () => Promise.resolve({}),
  }),
  apiRoute({
    method: 'GET',
    path: '/audit',
    summary: 'Lists audit entries',
    tag: 'audit',
    auth: 'user',
    query: z.object({
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      actor: z.string().optional(),
    }),
    handler: () => Promise.resolve([]),
  }),
  apiRoute({
    method: 'GET',
    path: '/audit/export',
    summary: 'Exports the audit log',
    tag: 'audit',
    auth: 'user',
    produces: 'application/x-ndjson',
    handler: () => Promise.resolve(''),
  }),
  apiRoute({
    method: 'POST',
    path: '/login',
    summary: 'Logs in',
    tag: 'auth',
    auth: 'none',
    body: z.object({ username: z.string(), password: z.string(), otp: z.string().optional() }),
    handler: () => Promise.resolve({}),
  }),
  apiRoute({
    method: 'DELETE',
    path: '/users/{user}/sessions',
    summary: 'Ends every session of a user',
    tag: 'users',
    auth: 'user',
    params: z.object({ user: z.string() }),
    status: 204,
    handler: () => Promise.resolve(undefined),
  }),
];

/** Every JSON Schema embedded in the document (request, response and parameter schemas). */
function embeddedSchemas(document: Json): Json[] {
  const found: Json[] = [];
  const visit = (node: unknown, key: string | undefined) => {
    if (typeof node !== 'object' || node === null) return;
    if (key === 'schema') {
      found.push(node as Json);
      return;
    }
    for (const [childKey, child] of Object.entries(node)) visit(child, childKey);
  };
  visit(document.paths, undefined);
  return found;
}

/** Checks `document` as OpenAPI 3.1; resolves to the problems found (none when valid). */
function openApiProblems(document: Json): string[] {
  const ajv = new Ajv2020({
    strict: true,
    strictRequired: false,
    strictTypes: false,
    allErrors: true,
  });
  const problems: string[] = [];
  const validate = ajv.compile(documentShape);
  if (!validate(document)) {
    for (const error of validate.errors ?? [])
      problems.push(`${error.instancePath} ${error.message}`);
  }
  // Each schema must be JSON Schema 2020-12 that ajv compiles in strict mode (unknown keywords and
  // formats are errors there), with its references resolved against the document's components.
  const schemaAjv = new Ajv2020({ strict: true, allowUnionTypes: true, validateFormats: false });
  const base = 'https://moat.invalid/components/schemas/';
  const components = (document.components as { schemas?: Record<string, Json> }).schemas ?? {};
  for (const [name, schema] of Object.entries(components)) schemaAjv.addSchema(schema, base + name);
  for (const schema of embeddedSchemas(document)) {
    const resolved = JSON.parse(
      JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${base}`),
    ) as Json;
    try {
      schemaAjv.compile(resolved);
    } catch (error) {
      problems.push(`schema ${JSON.stringify(schema).slice(0, 120)}: ${String(error)}`);
    }
  }
  // Path templates and path parameters name each other (§4.8.8.1).
  for (const [path, item] of Object.entries(
    document.paths as Record<string, Record<string, Json>>,
  )) {
    const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [method, operation] of Object.entries(item)) {
      const declared = ((operation.parameters ?? []) as Json[])
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort();
      if (JSON.stringify(declared) !== JSON.stringify(templated))
        problems.push(
          `${method} ${path}: path parameters ${String(declared)} ≠ ${String(templated)}`,
        );
    }
  }
  return problems;
}

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument(routes, { title: 'Moat management API', version: '1.2.3' });
  const paths = document.paths as Record<string, Record<string, Json>>;

  it('is a valid OpenAPI 3.1 document', () => {
    expect(openApiProblems(document)).toEqual([]);
  });

  it('finds the problems it is meant to find', () => {
    const broken = structuredClone(document);
    const member = (broken.paths as Record<string, Record<string, Json>>)[
      '/projects/{project}/members/{user}'
    ];
    delete member?.post?.responses;
    (member?.post?.parameters as Json[]).pop();
    expect(openApiProblems(broken).length).toBeGreaterThanOrEqual(2);
  });

  it('lists every route once, with a unique operation id', () => {
    const operations = Object.values(paths).flatMap((item) => Object.values(item));
    expect(operations).toHaveLength(routes.length);
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(paths['/users/{user}/sessions']?.delete?.operationId).toBe('deleteUsersUserSessions');
  });

  it('describes path and query parameters, the body and the response from the zod schemas', () => {
    const member = paths['/projects/{project}/members/{user}']?.post;
    expect(member?.parameters).toEqual([
      { name: 'project', in: 'path', required: true, schema: { type: 'string', maxLength: 64 } },
      { name: 'user', in: 'path', required: true, schema: { type: 'string', maxLength: 64 } },
    ]);
    const body = (member?.requestBody as Json).content as Record<string, { schema: Json }>;
    expect(body['application/json']?.schema).toMatchObject({
      type: 'object',
      required: ['role'],
      additionalProperties: false,
      properties: { until: { type: 'string', format: 'date-time' } },
    });
    const created = (member?.responses as Record<string, Json>)['201'];
    expect(created?.content).toMatchObject({
      'application/json': {
        schema: { properties: { createdAt: { type: 'string', format: 'date-time' } } },
      },
    });
    const audit = paths['/audit']?.get?.parameters as Json[];
    expect(audit.find((p) => p.name === 'limit')).toMatchObject({ in: 'query', required: false });
  });

  it('documents security, no-content answers, other media types and the error body', () => {
    expect(paths['/login']?.post?.security).toEqual([]);
    expect(paths['/audit']?.get?.security).toEqual([{ session: [] }, { token: [] }]);
    expect((paths['/users/{user}/sessions']?.delete?.responses as Json)['204']).toEqual({
      description: 'Done',
    });
    expect(
      (paths['/audit/export']?.get?.responses as Record<string, Json>)['200']?.content,
    ).toEqual({
      'application/x-ndjson': { schema: { type: 'string' } },
    });
    expect((paths['/login']?.post?.responses as Record<string, Json>).default).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    });
  });
});

describe('the OpenAPI document of every area’s routes', () => {
  it('is valid OpenAPI 3.1 with a unique operation id per route', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moat-openapi-'));
    const stores = await openStores({
      metadata: { kind: 'sqlite', path: join(dir, 'moat.db') },
      blobs: { kind: 'fs', root: join(dir, 'blobs') },
    });
    try {
      const services = await openAccessServices({
        database: stores.database,
        config: {
          tokenTtlSeconds: 300,
          requireTwoFactor: 'admins',
          sessionIdleTimeoutMs: 60_000,
          sessionMaxAgeMs: 3_600_000,
          lockoutThreshold: 5,
          lockoutDurationMs: 60_000,
        },
        dataDir: dir,
        log: () => undefined,
        bootstrap: false,
      });
      const routes = apiRoutes(services);
      const document = buildOpenApiDocument(routes, { title: 'Moat management API', version: '1' });
      expect(openApiProblems(document)).toEqual([]);
      const operations = Object.values(document.paths as Record<string, Json>).flatMap((item) =>
        Object.values(item as Record<string, Json>),
      );
      expect(operations).toHaveLength(routes.length);
      expect(new Set(operations.map((operation) => operation.operationId)).size).toBe(
        routes.length,
      );
      await services.close();
    } finally {
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
