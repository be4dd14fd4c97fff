/**
 * The AdmissionReview (`admission.k8s.io/v1`) exactly as the API server sends and expects it:
 * the request is parsed and checked against {@link AdmissionLimits} before anything reads it, and
 * the response echoes the request's `uid` with `allowed`, a `status` ({code, message}), `warnings`
 * and, from the mutating webhook, a base64 RFC 6902 `patch` with `patchType: JSONPatch`.
 * https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#request
 */
import { z } from 'zod';

import { LimitExceededError, PolicyError } from '../errors.js';
import { jsonDepthExceeds, type AdmissionLimits } from './limits.js';

/** What one AdmissionReview asks (the fields Moat reads). */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  namespace?: string;
  name?: string;
  operation: string;
  /** The object as it would be stored (absent for DELETE). */
  object?: unknown;
  dryRun?: boolean;
}

/** The answer for one request. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  /** Why a request was refused (`code` 403 for a policy, 400 for bad input, 504 for a timeout). */
  status?: { code: number; message: string; reason?: string };
  /** Shown to the user by kubectl (`Warning: …`); the API server cuts each at 256 characters. */
  warnings?: string[];
  /** Base64 of the JSON Patch document. */
  patch?: string;
  patchType?: 'JSONPatch';
}

/** A parsed review, or why it is refused (with its uid when one could be read). */
export type ParsedReview =
  | { ok: true; request: AdmissionRequest }
  | { ok: false; uid?: string; error: PolicyError | LimitExceededError };

function nameSchema(limits: AdmissionLimits) {
  return z.string().max(limits.maxNameLength);
}

function requestSchema(limits: AdmissionLimits) {
  const name = nameSchema(limits);
  return z.looseObject({
    uid: name.min(1),
    kind: z.looseObject({ group: name, version: name, kind: name.min(1) }),
    resource: z.looseObject({ group: name, version: name, resource: name.min(1) }),
    subResource: name.optional(),
    namespace: name.optional(),
    name: name.optional(),
    operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
    object: z.unknown().optional(),
    dryRun: z.boolean().optional(),
  });
}

function invalid(message: string): PolicyError {
  return new PolicyError('ADMISSION_INVALID', `AdmissionReview: ${message}`);
}

/**
 * Parses the body of a webhook call; never throws.
 * @example
 * const parsed = parseAdmissionReview(request.body, admissionLimits);
 * if (!parsed.ok) return reviewOf({ uid: parsed.uid ?? '', allowed: false, status: { code: 400, message: parsed.error.message } });
 */
export function parseAdmissionReview(body: Buffer, limits: AdmissionLimits): ParsedReview {
  if (body.length > limits.maxBodyBytes) {
    return {
      ok: false,
      error: new LimitExceededError(
        `AdmissionReview: the body is ${body.length} bytes, more than the limit of ${limits.maxBodyBytes}`,
      ),
    };
  }
  const text = body.toString('utf8');
  if (jsonDepthExceeds(text, limits.maxDepth)) {
    return {
      ok: false,
      error: new LimitExceededError(
        `AdmissionReview: JSON nested deeper than the limit of ${limits.maxDepth} levels`,
      ),
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: invalid('the body is not JSON') };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: invalid('the body is not a JSON object') };
  }
  const review = raw as Record<string, unknown>;
  const request = review.request as Record<string, unknown> | undefined;
  const uid =
    typeof request?.uid === 'string' && request.uid.length <= limits.maxNameLength
      ? request.uid
      : undefined;
  const withUid = (error: PolicyError): ParsedReview => ({
    ok: false,
    ...(uid !== undefined ? { uid } : {}),
    error,
  });
  if (review.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') {
    return withUid(
      invalid(
        `expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got ${describe(review.apiVersion)} ${describe(review.kind)} (set admissionReviewVersions: ["v1"] on the webhook)`,
      ),
    );
  }
  const parsed = requestSchema(limits).safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = ['request', ...(issue?.path ?? []).map(String)].join('.');
    return withUid(invalid(`${where}: ${issue?.message ?? 'invalid'}`));
  }
  const data = parsed.data;
  return {
    ok: true,
    request: {
      uid: data.uid,
      kind: { group: data.kind.group, version: data.kind.version, kind: data.kind.kind },
      resource: {
        group: data.resource.group,
        version: data.resource.version,
        resource: data.resource.resource,
      },
      ...(data.subResource !== undefined ? { subResource: data.subResource } : {}),
      ...(data.namespace !== undefined ? { namespace: data.namespace } : {}),
      ...(data.name !== undefined ? { name: data.name } : {}),
      operation: data.operation,
      ...(data.object !== undefined ? { object: data.object } : {}),
      ...(data.dryRun !== undefined ? { dryRun: data.dryRun } : {}),
    },
  };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : String(typeof value);
}

/** The AdmissionReview document that carries `response` back to the API server. */
export function reviewOf(response: AdmissionResponse): {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: AdmissionResponse;
} {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

/** Longest warning kept whole: the API server truncates longer ones. */
const maxWarningLength = 256;
/** Most warnings sent; the rest are summarised in one more. */
const maxWarnings = 32;

/** Warnings as the API server accepts them: one line each, short, a bounded number. */
export function boundedWarnings(warnings: readonly string[]): string[] {
  const lines = [...new Set(warnings.map((w) => w.replace(/\s+/g, ' ').trim()))].filter(
    (w) => w !== '',
  );
  const cut = lines.map((w) =>
    w.length > maxWarningLength ? `${w.slice(0, maxWarningLength - 1)}…` : w,
  );
  if (cut.length <= maxWarnings) return cut;
  return [...cut.slice(0, maxWarnings - 1), `and ${cut.length - maxWarnings + 1} more warnings`];
}
