/**
 * The policy document's zod schema (`moat.dev/v1`, kind `Policy`): every object strict, so an
 * unknown or misspelt field is refused by name; a rule holds exactly one check. Types match
 * `types.ts`; the meaning of each field is in docs/policy.md.
 */
import { z } from 'zod';

import type { PolicyLimits } from './limits.js';
import { checkKinds } from './rule-kind.js';

const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;

/** zod's "Unrecognized key" said in the document's terms. */
function strict<T extends z.ZodRawShape>(shape: T, where: string) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${JSON.stringify(issue.keys[0] ?? '')} ${where} (expected ${Object.keys(shape).join(', ')})`
        : issue.code === 'invalid_type'
          ? `expected a mapping ${where}`
          : undefined,
  });
}

const name = z.string().min(1).max(253);
const text = (max: number) => z.string().min(1).max(max);

const schemas = new WeakMap<PolicyLimits, ReturnType<typeof buildPolicySchema>>();

/** The schema of a policy document under `limits` (built once per limits object). */
export function policySchema(limits: PolicyLimits): ReturnType<typeof buildPolicySchema> {
  let schema = schemas.get(limits);
  if (schema === undefined) {
    schema = buildPolicySchema(limits);
    schemas.set(limits, schema);
  }
  return schema;
}

function buildPolicySchema(limits: PolicyLimits) {
  const list = <T extends z.ZodType>(item: T) => z.array(item).max(limits.maxListEntries);
  const identity = strict(
    {
      subject: text(1024).optional(),
      subjectRegExp: text(1024).optional(),
      issuer: text(1024).optional(),
      issuerRegExp: text(1024).optional(),
    },
    'in a keyless identity',
  )
    .refine((i) => i.subject !== undefined || i.subjectRegExp !== undefined, {
      message: 'a keyless identity needs subject or subjectRegExp',
    })
    .refine((i) => i.issuer !== undefined || i.issuerRegExp !== undefined, {
      message: 'a keyless identity needs issuer or issuerRegExp',
    });
  const requireSignatures = strict(
    {
      keys: list(text(64 * 1024)).optional(),
      keyless: list(identity).optional(),
      trustedRoot: text(4 * 1024 * 1024).optional(),
      minimum: z.number().int().min(1).max(100).optional(),
      attestations: list(
        strict(
          { type: text(1024), minimum: z.number().int().min(1).max(100).optional() },
          'in an attestation requirement',
        ),
      ).optional(),
    },
    'in requireSignatures',
  )
    .refine((r) => (r.keys ?? []).length > 0 || (r.keyless ?? []).length > 0, {
      message: 'requireSignatures needs keys or keyless identities',
    })
    .refine((r) => (r.keyless ?? []).length === 0 || r.trustedRoot !== undefined, {
      message: 'keyless identities need a trustedRoot (Moat never fetches one)',
    });
  const rule = strict(
    {
      name: z
        .string()
        .regex(
          /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
          'a rule name is 1-63 letters, digits, ".", "_", "-"',
        ),
      message: text(1024).optional(),
      enforcementAction: z.enum(['deny', 'warn']).optional(),
      maxSeverity: strict(
        { severity: z.enum(severities), ignoreUnfixed: z.boolean().optional() },
        'in maxSeverity',
      ).optional(),
      requireSignatures: requireSignatures.optional(),
      allowedRegistries: list(
        z.string().regex(/^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/, {
          message: 'a registry is host[:port] or *.domain[:port]',
        }),
      )
        .min(1)
        .optional(),
      nonRoot: z.boolean().optional(),
      requiredLabels: z
        .union([list(text(256)), z.record(text(256), text(1024))], {
          error: 'requiredLabels is a list of label names or a mapping of name to RE2 pattern',
        })
        .refine((v) => Array.isArray(v) || Object.keys(v).length <= limits.maxListEntries, {
          message: `at most ${limits.maxListEntries} labels`,
        })
        .optional(),
      maxAge: z
        .string()
        .regex(/^(\d{1,6}[wdhms])+$/, 'a duration such as 90d, 12h or 30m')
        .optional(),
      forbiddenPackages: list(
        strict(
          {
            name: text(256),
            type: text(32).optional(),
            versions: list(text(256)).optional(),
          },
          'in a forbidden package',
        ),
      ).optional(),
      expression: z.string().min(1).max(limits.maxExpressionLength).optional(),
    },
    'in a rule',
  ).superRefine((r, ctx) => {
    const present = checkKinds.filter((kind) => r[kind] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          present.length === 0
            ? `rule "${r.name}" has no check (expected one of ${checkKinds.join(', ')})`
            : `rule "${r.name}" has ${present.length} checks (${present.join(', ')}); a rule holds one`,
      });
    }
  });
  return strict(
    {
      apiVersion: z.literal('moat.dev/v1', { message: 'apiVersion must be moat.dev/v1' }),
      kind: z.literal('Policy', { message: 'kind must be Policy' }),
      metadata: strict(
        { name, annotations: z.record(z.string().max(253), z.string().max(4096)).optional() },
        'in metadata',
      ),
      spec: strict(
        {
          rules: z.array(rule).min(1, 'a policy needs at least one rule').max(limits.maxRules),
          onPending: z.enum(['wait', 'deny', 'allow']).optional(),
          pendingTimeout: z
            .string()
            .regex(/^(\d{1,6}(ms|s|m|h))+$/, 'a duration such as 30s or 5m')
            .optional(),
          onPush: z.enum(['allow', 'deny']).optional(),
        },
        'in spec',
      ),
    },
    'at the top',
  ).superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.spec.rules.forEach((rule, index) => {
      if (seen.has(rule.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['spec', 'rules', index, 'name'],
          message: `two rules are named "${rule.name}"`,
        });
      }
      seen.add(rule.name);
    });
  });
}
