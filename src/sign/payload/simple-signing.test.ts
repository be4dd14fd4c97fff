import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, test } from 'vitest';

import { SignError } from '../../errors.js';
import { signData } from '../keys/index.js';
import { digestA, imageWith, keyPair } from './__fixtures__/test-keys.js';
import { goJson } from '../go-json.js';
import { payloadLimits } from './limits.js';
import {
  parseSimpleSigningPayload,
  payloadAnnotations,
  simpleSigningPayload,
} from './simple-signing.js';

const run = promisify(execFile);

// sigstore/sigstore pkg/signature/payload/payload_test.go TestMarshalCosign (Apache-2.0).
const d34d = 'sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f';

function imageAt(dockerReference: string, digest: string) {
  return { ...imageWith(digest), dockerReference };
}

function signingError(run: () => unknown): SignError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SignError);
    return error as SignError;
  }
  throw new Error('expected a SignError');
}

describe('simpleSigningPayload', () => {
  test('writes optional as null without annotations, byte for byte as cosign (sigstore "no claims")', () => {
    expect(simpleSigningPayload(imageAt('example.com/test/image', d34d)).toString()).toBe(
      '{"critical":{"identity":{"docker-reference":"example.com/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":null}',
    );
  });

  test('matches cosign TestObsoletePayload for a Docker Hub image', () => {
    const digest = 'sha256:4aa3054270f7a70b4528f2064ee90961788e1e1518703592ae4463de3b889dec';
    expect(simpleSigningPayload(imageAt('index.docker.io/namespace/image', digest))).toEqual(
      Buffer.from(
        '{"critical":{"identity":{"docker-reference":"index.docker.io/namespace/image"},"image":{"docker-manifest-digest":"sha256:4aa3054270f7a70b4528f2064ee90961788e1e1518703592ae4463de3b889dec"},"type":"cosign container image signature"},"optional":null}',
      ),
    );
  });

  test('matches the payload cosign verify printed in cosign README (local registry with a port)', () => {
    const digest = 'sha256:7a91c50d922925f152fec96ed1d84b7bc6b2079c169d68826f6cf307f22d40e6';
    expect(simpleSigningPayload(imageAt('localhost:5000/tcpconnect', digest)).toString()).toBe(
      '{"critical":{"identity":{"docker-reference":"localhost:5000/tcpconnect"},"image":{"docker-manifest-digest":"sha256:7a91c50d922925f152fec96ed1d84b7bc6b2079c169d68826f6cf307f22d40e6"},"type":"cosign container image signature"},"optional":null}',
    );
  });

  test('writes annotations as a map with sorted keys (sigstore "standard atomic signature")', () => {
    const payload = simpleSigningPayload(imageAt('example.com/atomic/test/image', d34d), {
      timestamp: 1458239713,
      creator: 'atomic',
    });
    expect(payload.toString()).toBe(
      '{"critical":{"identity":{"docker-reference":"example.com/atomic/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":{"creator":"atomic","timestamp":1458239713}}',
    );
  });

  test('nests, sorts and spells numbers as Go does (sigstore "arbitrary claims")', () => {
    const payload = simpleSigningPayload(imageAt('example.com/cosign/test/image', d34d), {
      creator: 'anyone',
      some_struct: { foo: 'bar', false: true, nothing: null },
      'CamelCase WithSpace': 8.314,
    });
    expect(payload.toString()).toBe(
      '{"critical":{"identity":{"docker-reference":"example.com/cosign/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":{"CamelCase WithSpace":8.314,"creator":"anyone","some_struct":{"false":true,"foo":"bar","nothing":null}}}',
    );
  });

  test('treats an empty annotation map like none (cosign cannot write "optional":{})', () => {
    expect(simpleSigningPayload(imageWith(digestA), {}).toString()).toContain('"optional":null}');
  });

  test("escapes strings as Go's encoding/json does", () => {
    expect(goJson({ v: '<a & b>\u2028\u2029\u0001\b\f\n"\\é😀' })).toBe(
      '{"v":"\\u003ca \\u0026 b\\u003e\\u2028\\u2029\\u0001\\b\\f\\n\\"\\\\é😀"}',
    );
    expect(goJson('\ud800x')).toBe('"\ufffdx"');
    expect(goJson([1e21, 1.5e-7, 0.000001, -0])).toBe('[1e+21,1.5e-7,0.000001,-0]');
  });

  test('sorts keys by UTF-8 bytes like Go, not by UTF-16 units', () => {
    // U+FF61 sorts after U+1F600 in UTF-16 but before it in UTF-8.
    expect(goJson({ '😀': 1, '｡': 2 })).toBe('{"｡":2,"😀":1}');
  });

  test('a payload signed by Moat verifies with openssl dgst -sha256 -verify', async () => {
    const { signing } = keyPair();
    const payload = simpleSigningPayload(imageWith(digestA), { env: 'prod' });
    const dir = await mkdtemp(join(tmpdir(), 'moat-simple-signing-'));
    try {
      await writeFile(join(dir, 'payload.json'), payload);
      await writeFile(join(dir, 'sig.der'), signData(signing, payload));
      await writeFile(
        join(dir, 'pub.pem'),
        signing.publicKey.export({ type: 'spki', format: 'pem' }),
      );
      const { stdout } = await run('openssl', [
        'dgst',
        '-sha256',
        '-verify',
        join(dir, 'pub.pem'),
        '-signature',
        join(dir, 'sig.der'),
        join(dir, 'payload.json'),
      ]);
      expect(stdout.trim()).toBe('Verified OK');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('parseSimpleSigningPayload', () => {
  test('reads back what simpleSigningPayload wrote', () => {
    const payload = parseSimpleSigningPayload(
      simpleSigningPayload(imageWith(digestA), { env: 'prod' }),
      'test',
    );
    expect(payload.critical.image['docker-manifest-digest']).toBe(digestA);
    expect(payload.critical.identity['docker-reference']).toBe('127.0.0.1:5000/library/app');
    expect(payloadAnnotations(payload)).toEqual({ env: 'prod' });
  });

  test('reads non-string annotations as their JSON text and keeps __proto__ an own key', () => {
    const bytes = Buffer.from(
      `{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"${digestA}"},"type":"cosign container image signature"},"optional":{"n":1,"__proto__":"x"}}`,
    );
    const annotations = payloadAnnotations(parseSimpleSigningPayload(bytes, 'test'));
    expect(annotations['n']).toBe('1');
    expect(Object.getPrototypeOf(annotations)).toBe(Object.prototype);
    expect(Object.hasOwn(annotations, '__proto__')).toBe(true);
  });

  test('rejects another critical.type', () => {
    const bytes = Buffer.from(
      `{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"${digestA}"},"type":"atomic container signature"},"optional":{}}`,
    );
    const error = signingError(() => parseSimpleSigningPayload(bytes, 'layer 1'));
    expect(error.code).toBe('SIGNATURE_INVALID');
    expect(error.message).toContain('"atomic container signature"');
  });

  test('rejects an unknown field in critical', () => {
    const bytes = Buffer.from(
      `{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"${digestA}","other":"x"},"type":"cosign container image signature"},"optional":null}`,
    );
    expect(signingError(() => parseSimpleSigningPayload(bytes, 'test')).code).toBe(
      'SIGNATURE_INVALID',
    );
  });

  test('rejects malformed JSON', () => {
    const error = signingError(() => parseSimpleSigningPayload(Buffer.from('{"critical":'), 'l'));
    expect(error.code).toBe('SIGNATURE_INVALID');
    expect(error.message).toBe('l: signature payload is not JSON');
  });

  test('rejects a huge payload before parsing it', () => {
    const huge = Buffer.alloc(payloadLimits.maxSimpleSigningBytes + 1, 0x20);
    const error = signingError(() => parseSimpleSigningPayload(huge, 'l'));
    expect(error.message).toContain('over the');
  });
});
