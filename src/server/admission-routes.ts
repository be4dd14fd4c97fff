/**
 * The Kubernetes admission webhooks of `moat serve`: `POST /admission/validate` (the policy of
 * every namespace, `admission.policyFile`), `POST /admission/validate/<n>` (binding n of
 * `admission.policies`) and `POST /admission/mutate` (tags pinned to digests). Each takes an
 * AdmissionReview `admission.k8s.io/v1` and answers one with the request's `uid`; the work is in
 * `src/admission/`. A body past the limits is refused with a clear message, never a crash: with
 * the review's `uid` when one could be read (an AdmissionReview denial with code 400), otherwise
 * with HTTP 400/413.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { AdmissionDecider, type ExternalCheck } from '../admission/decider.js';
import { ImageResolver } from '../admission/image-resolver.js';
import { admissionLimits, type AdmissionLimits } from '../admission/limits.js';
import { encodePatch, pinPatch } from '../admission/patch.js';
import { policyAt, type AdmissionPolicies } from '../admission/policies.js';
import { containerImages, isAdmitted } from '../admission/pod-specs.js';
import {
  boundedWarnings,
  parseAdmissionReview,
  reviewOf,
  type AdmissionRequest,
  type AdmissionResponse,
} from '../admission/review.js';
import { loadAdmissionPolicies } from '../admission/policies.js';
import { isMoatError } from '../errors.js';
import { checkImage, loadPolicyFile } from '../policy/index.js';
import type { RegistryAccess } from '../sign/oci/resolve.js';
import type { MetadataStore } from '../store/types.js';
import type { ServeConfig } from './config.js';
import type { GateService, ProxyService, ScanService } from './gate-types.js';

/** What the admission routes need. */
export interface AdmissionOptions {
  /** Registry enforcement (absent: Moat's own images are refused, naming why). */
  gate?: Pick<GateService, 'decideStored'>;
  meta: MetadataStore;
  policies: AdmissionPolicies;
  config: Pick<ServeConfig, 'admission'>;
  /** The registry hosts that name this Moat in image references (public URL host, listen address). */
  publicHosts: () => readonly string[];
  /** Decides an image of another registry (the policy pipeline: scan, signatures, evaluation). */
  checkExternal: ExternalCheck;
  /** Credentials and transport for other registries. */
  access?: RegistryAccess;
  limits?: AdmissionLimits;
  /** Scan changes: a rescanned digest's cached decisions are dropped at once. */
  scans?: Pick<ScanService, 'onChange'>;
  /** Proxy projects: their images are pulled through before they are resolved. */
  proxy?: Pick<ProxyService, 'isProxied' | 'pullThrough'>;
}

/**
 * Loads the configured admission policies (a policy that does not load stops the start) and
 * registers the webhooks; images of other registries are decided by `checkImage` against the
 * server's vulnerability database (`scan.cacheDir`).
 * @example await startAdmission(app, { config, meta: stores.meta, gate: context.gate });
 */
export async function startAdmission(
  app: FastifyInstance,
  options: {
    config: Pick<ServeConfig, 'admission' | 'scan' | 'listen' | 'publicUrl'>;
    meta: MetadataStore;
    gate?: Pick<GateService, 'decideStored'> | undefined;
    scans?: Pick<ScanService, 'onChange'> | undefined;
    proxy?: Pick<ProxyService, 'isProxied' | 'pullThrough'> | undefined;
  },
): Promise<void> {
  const { config } = options;
  const policies = await loadAdmissionPolicies(config.admission, loadPolicyFile);
  registerAdmission(app, {
    ...(options.gate !== undefined ? { gate: options.gate } : {}),
    meta: options.meta,
    ...(options.scans !== undefined ? { scans: options.scans } : {}),
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
    policies,
    config,
    publicHosts: moatHosts(app, config),
    checkExternal: async (reference, policy) => {
      const { decision } = await checkImage(`docker://${reference}`, policy, {
        cacheDir: config.scan.cacheDir,
        offline: config.scan.offline,
      });
      return decision;
    },
  });
}

/**
 * The registry hosts that name this server in image references: the public URL's host, and the
 * listen address with the real port (for a loopback or unspecified address, its usual names).
 */
function moatHosts(
  app: FastifyInstance,
  config: Pick<ServeConfig, 'listen' | 'publicUrl'>,
): () => readonly string[] {
  let known: readonly string[] | undefined;
  return () => {
    if (known !== undefined) return known;
    const hosts = new Set<string>();
    if (config.publicUrl !== undefined) hosts.add(new URL(config.publicUrl).host);
    const address = app.server.address();
    const listening = address !== null && typeof address === 'object';
    const port = listening ? address.port : config.listen.port;
    const host = config.listen.host;
    const local = ['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::', ''].includes(host);
    const names = local
      ? ['127.0.0.1', 'localhost', '[::1]']
      : [host.includes(':') ? `[${host}]` : host];
    for (const name of names) hosts.add(`${name}:${port}`);
    const list = [...hosts];
    if (listening) known = list;
    return list;
  };
}

/**
 * Registers the webhooks on `app`.
 * @example
 * registerAdmission(app, { gate, meta, policies, config, publicHosts: () => ['moat.example.com'], checkExternal });
 */
export function registerAdmission(app: FastifyInstance, options: AdmissionOptions): void {
  const limits = options.limits ?? admissionLimits;
  const resolver = new ImageResolver({
    meta: options.meta,
    hosts: options.publicHosts,
    ...(options.access !== undefined ? { access: options.access } : {}),
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
    tagTtlMs: options.config.admission.cacheTtlMs,
  });
  const decider = new AdmissionDecider({
    resolver,
    ...(options.gate !== undefined ? { gate: options.gate } : {}),
    checkExternal: options.checkExternal,
    cacheTtlMs: options.config.admission.cacheTtlMs,
    timeoutMs: options.config.admission.timeoutMs,
    hosts: options.publicHosts,
  });
  void app.register((scope, _options, done) => {
    // The body is read as bytes and parsed here, under the review's own limits.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes },
      (_request, body, next) => next(null, body),
    );
    scope.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
      const status = error.statusCode ?? 500;
      if (status >= 500) request.log.error({ err: error }, 'admission webhook failed');
      const message =
        status === 413
          ? `AdmissionReview: the body is larger than the limit of ${limits.maxBodyBytes} bytes`
          : status < 500
            ? error.message
            : 'internal error (see the server log)';
      return reply.code(status).send({ message });
    });
    const validate = async (request: FastifyRequest, reply: FastifyReply, slot: string) =>
      answer(request, reply, limits, async (review) => {
        const bound = policyAt(options.policies, slot);
        if (bound === undefined) {
          return refusal(
            review.uid,
            500,
            `Moat has no admission policy at /admission/validate${slot === '' ? '' : `/${slot}`} ` +
              `(admission.policyFile ${options.policies.fallback ? 'is set' : 'is not set'}, ` +
              `admission.policies has ${options.policies.bindings.length} entries): regenerate the webhooks with moat admission manifests`,
          );
        }
        if (!isAdmitted(review)) return { uid: review.uid, allowed: true };
        const images = containerImages(review, limits);
        // A dry run (kubectl --dry-run=server) has no side effects: no audit entry.
        const validation = await decider.validate(images, bound.policy, {
          dryRun: review.dryRun === true,
        });
        const warnings = boundedWarnings(validation.warnings);
        if (validation.allowed) {
          return { uid: review.uid, allowed: true, ...(warnings.length > 0 ? { warnings } : {}) };
        }
        return {
          ...refusal(review.uid, validation.timedOut ? 504 : 403, validation.denials.join('\n')),
          ...(warnings.length > 0 ? { warnings } : {}),
        };
      });
    scope.post('/admission/validate', (request, reply) => validate(request, reply, ''));
    scope.post<{ Params: { slot: string } }>('/admission/validate/:slot', (request, reply) =>
      validate(request, reply, request.params.slot),
    );
    scope.post('/admission/mutate', (request, reply) =>
      answer(request, reply, limits, async (review) => {
        if (!isAdmitted(review)) return { uid: review.uid, allowed: true };
        const mutation = await decider.pin(containerImages(review, limits));
        const operations = pinPatch(mutation.pins);
        const warnings = boundedWarnings(mutation.warnings);
        return {
          uid: review.uid,
          allowed: true,
          ...(operations.length > 0
            ? { patchType: 'JSONPatch' as const, patch: encodePatch(operations) }
            : {}),
          ...(warnings.length > 0 ? { warnings } : {}),
        };
      }),
    );
    done();
  });
}

function refusal(uid: string, code: number, message: string): AdmissionResponse {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    403: 'Forbidden',
    413: 'RequestEntityTooLarge',
    500: 'InternalError',
    504: 'Timeout',
  };
  return {
    uid,
    allowed: false,
    status: { code, message, ...(reasons[code] ? { reason: reasons[code] } : {}) },
  };
}

async function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  limits: AdmissionLimits,
  decide: (review: AdmissionRequest) => Promise<AdmissionResponse>,
): Promise<FastifyReply> {
  void reply.header('cache-control', 'no-store');
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const parsed = parseAdmissionReview(body, limits);
  if (!parsed.ok) {
    const code =
      parsed.error.code === 'LIMIT_EXCEEDED' && body.length > limits.maxBodyBytes ? 413 : 400;
    request.log.warn({ reason: parsed.error.message }, 'AdmissionReview refused');
    if (parsed.uid === undefined) return reply.code(code).send({ message: parsed.error.message });
    return reply.send(reviewOf(refusal(parsed.uid, code, parsed.error.message)));
  }
  const review = parsed.request;
  let response: AdmissionResponse;
  try {
    response = await decide(review);
  } catch (error) {
    if (!isMoatError(error) || !error.isInputError) throw error;
    request.log.warn({ reason: error.message, uid: review.uid }, 'AdmissionReview refused');
    response = refusal(review.uid, 400, error.message);
  }
  request.log.info(
    {
      uid: review.uid,
      kind: review.kind.kind,
      namespace: review.namespace,
      name: review.name,
      operation: review.operation,
      allowed: response.allowed,
      patched: response.patch !== undefined,
    },
    'admission decision',
  );
  return reply.send(reviewOf(response));
}
