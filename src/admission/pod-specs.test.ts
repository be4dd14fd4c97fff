import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { isMoatError } from '../errors.js';

import { podSpec, reviewOfObject, workload } from './__fixtures__/reviews.js';
import { admissionLimits } from './limits.js';
import { containerImages, isAdmitted } from './pod-specs.js';
import { parseAdmissionReview, type AdmissionRequest } from './review.js';

function requestOf(review: Record<string, unknown>): AdmissionRequest {
  const parsed = parseAdmissionReview(Buffer.from(JSON.stringify(review)), admissionLimits);
  if (!parsed.ok) throw parsed.error;
  return parsed.request;
}

const templatePath = {
  Pod: '/spec',
  Deployment: '/spec/template/spec',
  StatefulSet: '/spec/template/spec',
  DaemonSet: '/spec/template/spec',
  ReplicaSet: '/spec/template/spec',
  ReplicationController: '/spec/template/spec',
  Job: '/spec/template/spec',
  CronJob: '/spec/jobTemplate/spec/template/spec',
};

describe('containerImages', () => {
  test.each(Object.entries(templatePath))(
    '%s: the images of init, ordinary and ephemeral containers with their pointers',
    (kind, base) => {
      const spec = podSpec(['app:1'], {
        initContainers: [{ name: 'init', image: 'init:1' }],
        ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
      });
      const request = requestOf(reviewOfObject(workload(kind, spec)));
      expect(isAdmitted(request)).toBe(true);
      expect(containerImages(request, admissionLimits)).toEqual([
        {
          path: `${base}/initContainers/0/image`,
          list: 'initContainers',
          container: 'init',
          image: 'init:1',
        },
        { path: `${base}/containers/0/image`, list: 'containers', container: 'c0', image: 'app:1' },
        {
          path: `${base}/ephemeralContainers/0/image`,
          list: 'ephemeralContainers',
          container: 'debug',
          image: 'busybox',
        },
      ]);
    },
  );

  test('the ephemeralcontainers subresource of a Pod is admitted; status and scale are not', () => {
    const pod = workload('Pod', podSpec(['app:1']));
    expect(
      isAdmitted(
        requestOf(reviewOfObject(pod, { operation: 'UPDATE', subResource: 'ephemeralcontainers' })),
      ),
    ).toBe(true);
    expect(
      isAdmitted(requestOf(reviewOfObject(pod, { operation: 'UPDATE', subResource: 'status' }))),
    ).toBe(false);
  });

  test('DELETE, CONNECT and kinds without a pod spec are not admitted', () => {
    const pod = workload('Pod', podSpec(['app:1']));
    expect(isAdmitted(requestOf(reviewOfObject(pod, { operation: 'DELETE' })))).toBe(false);
    expect(isAdmitted(requestOf(reviewOfObject(pod, { operation: 'CONNECT' })))).toBe(false);
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} };
    expect(isAdmitted(requestOf(reviewOfObject(configMap)))).toBe(false);
    // A Deployment of another API group is not ours either.
    const foreign = { ...workload('Deployment', podSpec(['a'])), apiVersion: 'example.com/v1' };
    expect(isAdmitted(requestOf(reviewOfObject(foreign)))).toBe(false);
  });

  test('a template container without an image (left to a controller) has nothing to decide', () => {
    const spec = {
      containers: [{ name: 'a' }, { name: 'b', image: '' }, { name: 'c', image: 'x' }],
    };
    const images = containerImages(
      requestOf(reviewOfObject(workload('Deployment', spec))),
      admissionLimits,
    );
    expect(images.map((i) => i.container)).toEqual(['c']);
  });

  test.each([257, 1000])('%i containers are refused with the count and the limit', (count) => {
    const spec = podSpec(Array.from({ length: count }, (_, i) => `img${i}:1`));
    const request = requestOf(reviewOfObject(workload('Pod', spec)));
    expect(() => containerImages(request, admissionLimits)).toThrow(
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        message: expect.stringContaining(
          `names ${count} containers, more than the limit of 256`,
        ) as string,
      }),
    );
  });

  test('containers spread over the three lists count together', () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ name: `x${i}`, image: 'a' }));
    const spec = {
      containers: many(100),
      initContainers: many(100),
      ephemeralContainers: many(57),
    };
    const request = requestOf(reviewOfObject(workload('Pod', spec)));
    expect(() => containerImages(request, admissionLimits)).toThrow(/257 containers/);
  });

  test('an image reference longer than the limit is refused naming the container', () => {
    const request = requestOf(reviewOfObject(workload('Pod', podSpec([`a/${'b'.repeat(2000)}`]))));
    expect(() => containerImages(request, admissionLimits)).toThrow(
      /container "c0" is 2002 characters/,
    );
  });

  test.each([
    ['containers that are not a list', { containers: { a: 1 } }, /containers is not a list/],
    [
      'a container that is not an object',
      { containers: ['nginx'] },
      /containers\[0\] is not an object/,
    ],
    ['an image that is not text', { containers: [{ name: 'a', image: 7 }] }, /image is not text/],
  ])('%s is refused as ADMISSION_INVALID', (_name, spec, message) => {
    const request = requestOf(reviewOfObject(workload('Pod', spec)));
    expect(() => containerImages(request, admissionLimits)).toThrow(message);
  });

  test('an object that is not an object is refused', () => {
    const review = reviewOfObject(workload('Pod', podSpec(['a'])));
    (review.request as Record<string, unknown>).object = 'pod';
    expect(() => containerImages(requestOf(review), admissionLimits)).toThrow(/request.object/);
  });
});

describe('hostile objects (property)', () => {
  test('any JSON object under request.object is decided or refused with a Moat error, never a crash', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Pod', 'Deployment', 'CronJob', 'Job'),
        fc.jsonValue({ maxDepth: 6 }),
        (kind, spec) => {
          const review = reviewOfObject(workload(kind, { containers: [] }));
          const object = (review.request as { object: Record<string, unknown> }).object;
          object.spec = kind === 'Pod' ? spec : { template: { spec } };
          const parsed = parseAdmissionReview(Buffer.from(JSON.stringify(review)), admissionLimits);
          if (!parsed.ok) return;
          try {
            containerImages(parsed.request, admissionLimits);
          } catch (error) {
            expect(isMoatError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('arbitrary bytes never make the parser throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const parsed = parseAdmissionReview(Buffer.from(bytes), admissionLimits);
        expect(parsed.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
