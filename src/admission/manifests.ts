/**
 * What `moat admission manifests` prints for `kubectl apply -f -`: the Secret with a generated CA
 * and serving certificate, a ConfigMap with `moat.yaml` and the policies, the Deployment running
 * `moat serve` with them, its Service, and the two webhook configurations — validating (one
 * webhook per policy binding, each at its own path with its namespace selector) and mutating
 * (tags pinned to digests). The webhook configurations come last, so that the server exists when
 * they take effect.
 */
import { stringify } from 'yaml';

import type { LabelSelector } from '../server/config.js';
import { generateWebhookCertificates } from './certificates.js';
import { webhookSelector } from './selectors.js';

/** A policy to ship: its file's text and the selector binding it (none for every namespace). */
export interface ShippedPolicy {
  text: string;
  namespaceSelector?: LabelSelector;
}

/** What the manifests are generated from. */
export interface ManifestOptions {
  serviceName: string;
  namespace: string;
  /** The image running `moat serve`. */
  image: string;
  /** `admission.policies`, in order. */
  bindings: readonly ShippedPolicy[];
  /** `admission.policyFile`. */
  fallback?: ShippedPolicy;
  /** The port `moat serve` listens on in the pod. */
  port: number;
  /** Days the serving certificate is valid. */
  validityDays: number;
  /** `publicUrl` of the in-cluster registry, when images are pulled from it. */
  publicUrl?: string;
  /** The admission decision timeout, seconds (below the webhooks' 10 s). */
  timeoutSeconds: number;
}

/** One Kubernetes object. */
type KubeObject = Record<string, unknown>;

/** Where the ConfigMap and the Secret are mounted in the pod. */
const configDir = '/etc/moat/config';
const tlsDir = '/etc/moat/tls';

const validatingRules = [
  {
    apiGroups: [''],
    apiVersions: ['v1'],
    operations: ['CREATE', 'UPDATE'],
    resources: ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers'],
    scope: 'Namespaced',
  },
  {
    apiGroups: ['apps'],
    apiVersions: ['v1'],
    operations: ['CREATE', 'UPDATE'],
    resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
    scope: 'Namespaced',
  },
  {
    apiGroups: ['batch'],
    apiVersions: ['v1'],
    operations: ['CREATE', 'UPDATE'],
    resources: ['jobs', 'cronjobs'],
    scope: 'Namespaced',
  },
];

/**
 * The manifests as one multi-document YAML text.
 * @example process.stdout.write(admissionManifests({ serviceName: 'moat', namespace: 'moat-system', … }).yaml);
 */
export function admissionManifests(options: ManifestOptions): { yaml: string; notes: string[] } {
  const { serviceName: name, namespace } = options;
  const dnsNames = [
    `${name}.${namespace}.svc`,
    `${name}.${namespace}.svc.cluster.local`,
    `${name}.${namespace}`,
    name,
  ];
  const certs = generateWebhookCertificates({ dnsNames, validityDays: options.validityDays });
  const caBundle = Buffer.from(certs.caCertificate, 'utf8').toString('base64');
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'admission' };
  const metadata = { name, namespace, labels };
  const excluded = [namespace, 'kube-system'];
  const notes: string[] = [];

  const policyFiles: Record<string, string> = {};
  options.bindings.forEach((binding, index) => {
    policyFiles[`policy-${index}.yaml`] = binding.text;
  });
  if (options.fallback) policyFiles['policy.yaml'] = options.fallback.text;
  const moatYaml = stringify({
    listen: `0.0.0.0:${options.port}`,
    dataDir: '/var/lib/moat',
    ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
    tls: { certFile: `${tlsDir}/tls.crt`, keyFile: `${tlsDir}/tls.key` },
    admission: {
      ...(options.fallback ? { policyFile: `${configDir}/policy.yaml` } : {}),
      policies: options.bindings.map((binding, index) => ({
        policyFile: `${configDir}/policy-${index}.yaml`,
        ...(binding.namespaceSelector ? { namespaceSelector: binding.namespaceSelector } : {}),
      })),
      timeout: `${options.timeoutSeconds}s`,
    },
  });

  const clientConfig = (path: string) => ({
    service: { name, namespace, path, port: 443 },
    caBundle,
  });
  const webhookBase = {
    admissionReviewVersions: ['v1'],
    // Decisions are audited, except those of dry-run reviews (src/server/admission-routes.ts).
    sideEffects: 'NoneOnDryRun',
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    timeoutSeconds: 10,
    rules: validatingRules,
  };
  const validating: KubeObject[] = [];
  const earlier = options.bindings.map((binding) => binding.namespaceSelector);
  options.bindings.forEach((binding, index) => {
    const { selector, overlaps } = webhookSelector(
      binding.namespaceSelector,
      earlier.slice(0, index),
      excluded,
    );
    if (selector === undefined) {
      notes.push(
        `admission.policies[${index}] is never reached: an earlier entry matches every namespace`,
      );
      return;
    }
    for (const overlap of overlaps) {
      notes.push(
        `admission.policies[${index}]: namespaces also matched by entry ${overlap} (a selector of several requirements) are checked by both policies`,
      );
    }
    validating.push({
      name: `validate-${index}.${name}.${namespace}.moat.dev`,
      clientConfig: clientConfig(`/admission/validate/${index}`),
      namespaceSelector: selector,
      ...webhookBase,
    });
  });
  if (options.fallback) {
    const { selector, overlaps } = webhookSelector(undefined, earlier, excluded);
    if (selector === undefined)
      notes.push(
        'admission.policyFile is never reached: an entry of admission.policies matches every namespace',
      );
    else {
      for (const overlap of overlaps) {
        notes.push(
          `admission.policyFile: namespaces matched by admission.policies[${overlap}] are checked by both policies`,
        );
      }
      validating.push({
        name: `validate.${name}.${namespace}.moat.dev`,
        clientConfig: clientConfig('/admission/validate'),
        namespaceSelector: selector,
        ...webhookBase,
      });
    }
  }
  if (validating.length === 0) {
    notes.push(
      'no policy is configured (admission.policyFile, admission.policies): only the mutating webhook is generated',
    );
  }

  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { ...metadata, name: `${name}-tls` },
      type: 'kubernetes.io/tls',
      stringData: {
        'tls.crt': certs.certificate,
        'tls.key': certs.privateKey,
        'ca.crt': certs.caCertificate,
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { ...metadata, name: `${name}-config` },
      data: { 'moat.yaml': moatYaml, ...policyFiles },
    },
    deployment(options, metadata, labels),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        selector: labels,
        ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
      },
    },
    ...(validating.length > 0
      ? [
          {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'ValidatingWebhookConfiguration',
            metadata: { name: `${name}.${namespace}.moat.dev`, labels },
            webhooks: validating,
          },
        ]
      : []),
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: `${name}.${namespace}.moat.dev`, labels },
      webhooks: [
        {
          name: `mutate.${name}.${namespace}.moat.dev`,
          clientConfig: clientConfig('/admission/mutate'),
          namespaceSelector: webhookSelector(undefined, [], excluded).selector,
          reinvocationPolicy: 'IfNeeded',
          ...webhookBase,
        },
      ],
    },
  ];
  return { yaml: objects.map((object) => stringify(object)).join('---\n'), notes };
}

function deployment(
  options: ManifestOptions,
  metadata: { name: string; namespace: string; labels: Record<string, string> },
  labels: Record<string, string>,
): KubeObject {
  const probe = (path: string) => ({
    httpGet: { path, port: 'https', scheme: 'HTTPS' },
    periodSeconds: 10,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532 },
          containers: [
            {
              name: 'moat',
              image: options.image,
              args: ['serve', '--config', `${configDir}/moat.yaml`],
              ports: [{ name: 'https', containerPort: options.port }],
              readinessProbe: probe('/readyz'),
              livenessProbe: probe('/healthz'),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'config', mountPath: configDir, readOnly: true },
                { name: 'tls', mountPath: tlsDir, readOnly: true },
                { name: 'data', mountPath: '/var/lib/moat' },
                { name: 'cache', mountPath: '/home/moat/.cache' },
              ],
              env: [{ name: 'HOME', value: '/home/moat' }],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: `${metadata.name}-config` } },
            { name: 'tls', secret: { secretName: `${metadata.name}-tls` } },
            { name: 'data', emptyDir: {} },
            { name: 'cache', emptyDir: {} },
          ],
        },
      },
    },
  };
}
