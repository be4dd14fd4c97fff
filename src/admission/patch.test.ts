import { describe, expect, test } from 'vitest';

import { applyJsonPatch } from './__fixtures__/json-patch.js';
import { podSpec, workload } from './__fixtures__/reviews.js';
import { encodePatch, pinPatch, pinnedReference } from './patch.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('pinPatch', () => {
  test('replaces each tag with tag@digest, guarded by a test of the old value', () => {
    const deployment = workload('Deployment', podSpec(['nginx:1.27', 'redis']));
    const operations = pinPatch([
      { path: '/spec/template/spec/containers/0/image', from: 'nginx:1.27', digest },
      { path: '/spec/template/spec/containers/1/image', from: 'redis', digest },
    ]);
    const patched = applyJsonPatch(deployment, operations);
    const { containers } = (
      patched as unknown as {
        spec: { template: { spec: { containers: Array<{ image: string }> } } };
      }
    ).spec.template.spec;
    expect(containers.map((c) => c.image)).toEqual([`nginx:1.27@${digest}`, `redis@${digest}`]);
  });

  test('an image already naming a digest is left alone', () => {
    expect(pinPatch([{ path: '/spec/containers/0/image', from: `a@${digest}`, digest }])).toEqual(
      [],
    );
    expect(pinnedReference(`a:1@${digest}`, `sha256:${'b'.repeat(64)}`)).toBe(`a:1@${digest}`);
  });

  test('the patch fails rather than overwrite an image changed in between', () => {
    const pod = workload('Pod', podSpec(['other:2']));
    const operations = pinPatch([{ path: '/spec/containers/0/image', from: 'nginx:1', digest }]);
    expect(() => applyJsonPatch(pod, operations)).toThrow(/test failed/);
  });

  test('the encoded patch is the base64 of the JSON operations', () => {
    const operations = pinPatch([{ path: '/spec/containers/0/image', from: 'a', digest }]);
    const decoded: unknown = JSON.parse(
      Buffer.from(encodePatch(operations), 'base64').toString('utf8'),
    );
    expect(decoded).toEqual(operations);
  });
});
