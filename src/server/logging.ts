/**
 * The structured logs of `moat serve`: Fastify's pino logger writing JSON lines, one per request
 * with its request id, and never a secret. Request ids come from a sane incoming `X-Request-Id`
 * (so a proxy's id follows the request through) or are generated, and every answer carries its id.
 * The request serializer logs the method, the URL with secret-looking query values replaced, the
 * host and the peer; headers are never logged, and `redact` removes authorization headers and
 * cookies should anything log them.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { LogLevel } from './config-values.js';

/** Where pino writes: any stream with `write(line)` (tests capture the lines). */
export interface LogDestination {
  write(line: string): unknown;
}

/** An incoming request id is kept when it matches this; otherwise one is generated. */
const saneRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id of `request`: its own sane `X-Request-Id`, or a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && saneRequestId.test(incoming) ? incoming : randomUUID();
}

/** Query parameters whose values are never logged. */
const secretParameter = /pass|token|secret|signature|credential|key|auth/i;

/** `url` with the values of secret-looking query parameters replaced by `[REDACTED]`. */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question < 0) return url;
  const query = url
    .slice(question + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed name is logged as it came.
      }
      return equals >= 0 && secretParameter.test(decoded) ? `${name}=[REDACTED]` : pair;
    })
    .join('&');
  return `${url.slice(0, question)}?${query}`;
}

/** The `logger` option of Fastify for `level`, writing to `destination` (stdout by default). */
export function loggerOptions(level: LogLevel, destination?: LogDestination) {
  return {
    level,
    ...(destination ? { stream: destination } : {}),
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["proxy-authorization"]',
        'res.headers["set-cookie"]',
        'headers.authorization',
        'headers.cookie',
      ],
      censor: '[REDACTED]',
    },
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket.remotePort,
      }),
    },
  };
}

/** Sends every request's id back in `X-Request-Id`. */
export function echoRequestIds(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
}
