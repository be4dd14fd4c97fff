/**
 * Where the images of an admitted object are: the pod spec of a Pod, or the pod template of a
 * workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job; CronJob's
 * `jobTemplate.spec.template`), and in it `containers`, `initContainers` and
 * `ephemeralContainers`. Each image is returned with the JSON Pointer of its field, which is
 * what the mutating webhook's patch replaces.
 */
import { LimitExceededError, PolicyError } from '../errors.js';
import type { AdmissionLimits } from './limits.js';
import type { AdmissionRequest } from './review.js';

/** The three lists of a pod spec that hold containers. */
export const containerLists = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** One of {@link containerLists}. */
export type ContainerList = (typeof containerLists)[number];

/** One container's image in the admitted object. */
export interface ContainerImage {
  /** JSON Pointer (RFC 6901) of the `image` field, e.g. `/spec/template/spec/containers/0/image`. */
  path: string;
  list: ContainerList;
  /** The container's name ('' when it has none). */
  container: string;
  image: string;
}

/** The path from the object to its pod spec, by API group and kind. */
const podSpecPaths: Record<string, readonly string[]> = {
  '/Pod': ['spec'],
  '/ReplicationController': ['spec', 'template', 'spec'],
  'apps/Deployment': ['spec', 'template', 'spec'],
  'apps/StatefulSet': ['spec', 'template', 'spec'],
  'apps/DaemonSet': ['spec', 'template', 'spec'],
  'apps/ReplicaSet': ['spec', 'template', 'spec'],
  'batch/Job': ['spec', 'template', 'spec'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/**
 * True when the webhook decides this request: CREATE or UPDATE of a kind that holds a pod spec,
 * on the object itself or on the `ephemeralcontainers` subresource of a Pod. Everything else
 * (DELETE, CONNECT, other kinds, `status`, `scale`) is allowed untouched.
 */
export function isAdmitted(request: AdmissionRequest): boolean {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return false;
  if (podSpecPathOf(request) === undefined) return false;
  const sub = request.subResource ?? '';
  return sub === '' || (sub === 'ephemeralcontainers' && request.kind.kind === 'Pod');
}

function podSpecPathOf(request: AdmissionRequest): readonly string[] | undefined {
  return podSpecPaths[`${request.kind.group}/${request.kind.kind}`];
}

function invalid(message: string): PolicyError {
  return new PolicyError('ADMISSION_INVALID', `AdmissionReview: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The images of an admitted request's object, in pod-spec order (init containers, containers,
 * ephemeral containers). Throws `ADMISSION_INVALID` when the object is not shaped like its kind,
 * `LIMIT_EXCEEDED` past {@link AdmissionLimits.maxContainers} or `maxImageLength`.
 * @example
 * containerImages(request, admissionLimits) // [{ path: '/spec/containers/0/image', list: 'containers', container: 'app', image: 'nginx:1.27' }]
 */
export function containerImages(
  request: AdmissionRequest,
  limits: AdmissionLimits,
): ContainerImage[] {
  const path = podSpecPathOf(request);
  if (path === undefined) return [];
  const what = `${request.kind.kind} ${request.namespace ?? ''}/${request.name ?? ''}`;
  const object = request.object;
  if (!isRecord(object)) throw invalid(`request.object of ${what} is not an object`);
  let spec: Record<string, unknown> = object;
  for (const step of path) {
    const next = spec[step];
    if (next === undefined) return [];
    if (!isRecord(next)) throw invalid(`${what}: ${path.join('.')} is not an object`);
    spec = next;
  }
  let total = 0;
  for (const list of containerLists) {
    const entries = spec[list];
    if (entries === undefined || entries === null) continue;
    if (!Array.isArray(entries)) throw invalid(`${what}: ${list} is not a list`);
    total += entries.length;
  }
  if (total > limits.maxContainers) {
    throw new LimitExceededError(
      `AdmissionReview: ${what} names ${total} containers, more than the limit of ${limits.maxContainers}`,
    );
  }
  const images: ContainerImage[] = [];
  for (const list of containerLists) {
    const entries = (spec[list] ?? []) as unknown[];
    entries.forEach((entry, index) => {
      if (!isRecord(entry)) throw invalid(`${what}: ${list}[${index}] is not an object`);
      const name = typeof entry.name === 'string' ? entry.name.slice(0, limits.maxNameLength) : '';
      const image = entry.image;
      // A pod template may leave the image to a controller; there is nothing to decide then.
      if (image === undefined || image === null || image === '') return;
      if (typeof image !== 'string') throw invalid(`${what}: ${list}[${index}].image is not text`);
      if (image.length > limits.maxImageLength) {
        throw new LimitExceededError(
          `AdmissionReview: ${what}: the image of container ${JSON.stringify(name)} is ${image.length} characters, more than the limit of ${limits.maxImageLength}`,
        );
      }
      images.push({
        path: `/${[...path, list, String(index), 'image'].join('/')}`,
        list,
        container: name,
        image,
      });
    });
  }
  return images;
}
