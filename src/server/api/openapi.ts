/**
 * The OpenAPI 3.1 document of `/api/v1`, generated from the routes' own zod schemas with zod 4's
 * `z.toJSONSchema` (JSON Schema 2020-12, which OpenAPI 3.1 uses as it is): request schemas in
 * their input form (what a client sends), responses in their output form. Dates are ISO 8601
 * strings on the wire.
 */
import { z } from 'zod';

import type { ApiRoute } from './types.js';

type JsonSchema = Record<string, unknown>;

/** The document's `info` block. */
export interface OpenApiInfo {
  title: string;
  version: string;
}

/** The error body every failure has. */
const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
};

/**
 * The OpenAPI document for `routes`, served at `/api/v1/openapi.json`.
 * @example buildOpenApiDocument(routes, { title: 'Moat management API', version: '0.1.0' })
 */
export function buildOpenApiDocument(routes: readonly ApiRoute[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/api/v1' }],
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'moat_session',
          description: 'The login session; writes also need the X-CSRF-Token header',
        },
        token: {
          type: 'http',
          scheme: 'bearer',
          description: 'A personal access token with api:read (GET) or api:write (writes)',
        },
      },
    },
  };
}

function operation(route: ApiRoute): JsonSchema {
  const status = route.status ?? 200;
  const parameters = [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')];
  return {
    operationId: operationId(route),
    summary: route.summary,
    tags: [route.tag],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: route.textBody
              ? Object.fromEntries(
                  ['application/json', ...route.textBody.mediaTypes].map((type) => [
                    type,
                    { schema: route.textBody?.documentation },
                  ]),
                )
              : { 'application/json': { schema: jsonSchemaOf(route.body, 'input') } },
          },
        }
      : {}),
    responses: {
      [String(status)]: successResponse(route, status),
      default: {
        description: 'An error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
    security: route.auth === 'none' ? [] : [{ session: [] }, { token: [] }],
  };
}

function successResponse(route: ApiRoute, status: number): JsonSchema {
  if (status === 204) return { description: 'Done' };
  if (route.produces !== undefined) {
    return {
      description: route.summary,
      content: { [route.produces]: { schema: { type: 'string' } } },
    };
  }
  return {
    description: route.summary,
    content: {
      'application/json': { schema: route.response ? jsonSchemaOf(route.response, 'output') : {} },
    },
  };
}

/** `post /users/{user}/sessions` → `postUsersUserSessions`. */
function operationId(route: ApiRoute): string {
  const words = route.path.split(/[^A-Za-z0-9]+/).filter((word) => word !== '');
  return (
    route.method.toLowerCase() +
    words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')
  );
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchemaOf(schema, 'input');
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const converted = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    override: (context) => {
      if (context.zodSchema._zod.def.type === 'date') {
        context.jsonSchema.type = 'string';
        context.jsonSchema.format = 'date-time';
      }
    },
  }) as JsonSchema;
  // The document declares the dialect once (OpenAPI 3.1's default is 2020-12).
  delete converted.$schema;
  return converted;
}
