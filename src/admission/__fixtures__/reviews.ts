/**
 * AdmissionReview requests built by code around a Kubernetes object, as the API server sends
 * them (kind and resource derived from the object's apiVersion and kind).
 */
import { randomUUID } from 'node:crypto';

/** Options of {@link reviewOfObject}. */
export interface ReviewOptions {
  operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  subResource?: string;
  uid?: string;
  namespace?: string;
  oldObject?: unknown;
}

const resources: Record<string, string> = {
  Pod: 'pods',
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  ReplicaSet: 'replicasets',
  ReplicationController: 'replicationcontrollers',
  Job: 'jobs',
  CronJob: 'cronjobs',
  ConfigMap: 'configmaps',
};

/** The AdmissionReview the API server would send for `object`. */
export function reviewOfObject(
  object: { apiVersion: string; kind: string; metadata?: { name?: string; namespace?: string } },
  options: ReviewOptions = {},
): Record<string, unknown> {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  const kind = { group: group ?? '', version: version ?? 'v1', kind: object.kind };
  const resource = {
    group: group ?? '',
    version: version ?? 'v1',
    resource: resources[object.kind] ?? `${object.kind.toLowerCase()}s`,
  };
  const operation = options.operation ?? 'CREATE';
  const namespace = options.namespace ?? object.metadata?.namespace ?? 'default';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? randomUUID(),
      kind,
      resource,
      ...(options.subResource !== undefined ? { subResource: options.subResource } : {}),
      requestKind: kind,
      requestResource: resource,
      name: object.metadata?.name ?? '',
      namespace,
      operation,
      userInfo: {
        username: 'kubernetes-admin',
        groups: ['system:masters', 'system:authenticated'],
      },
      object: operation === 'DELETE' ? null : object,
      oldObject: options.oldObject ?? null,
      dryRun: false,
      options: {
        apiVersion: 'meta.k8s.io/v1',
        kind: `${operation === 'DELETE' ? 'Delete' : operation === 'UPDATE' ? 'Update' : 'Create'}Options`,
      },
    },
  };
}

/** A pod spec with one container per image (named c0, c1, …). */
export function podSpec(images: readonly string[], extra: Record<string, unknown> = {}) {
  return {
    containers: images.map((image, index) => ({ name: `c${index}`, image })),
    ...extra,
  };
}

/** A Pod, Deployment, Job, CronJob … holding `spec` where that kind holds its pod spec. */
export function workload(kind: string, spec: Record<string, unknown>, name = 'app') {
  const template = { metadata: { labels: { app: name } }, spec };
  const metadata = { name, namespace: 'default' };
  switch (kind) {
    case 'Pod':
      return { apiVersion: 'v1', kind, metadata, spec };
    case 'ReplicationController':
      return { apiVersion: 'v1', kind, metadata, spec: { replicas: 1, template } };
    case 'Job':
      return { apiVersion: 'batch/v1', kind, metadata, spec: { template } };
    case 'CronJob':
      return {
        apiVersion: 'batch/v1',
        kind,
        metadata,
        spec: { schedule: '* * * * *', jobTemplate: { metadata: {}, spec: { template } } },
      };
    default:
      return {
        apiVersion: 'apps/v1',
        kind,
        metadata,
        spec: { selector: { matchLabels: { app: name } }, template },
      };
  }
}
