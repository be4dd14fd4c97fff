/**
 * From a policy document to a {@link CompiledPolicy}: validated, CEL expressions compiled, keys
 * and trusted roots loaded and checked, the document hashed. Everything that can be wrong with a
 * policy is found here (`POLICY_INVALID`, naming source, line and key), so evaluating does no I/O
 * and fails only on what the image makes of it.
 */
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, resolve } from 'node:path';

import { isMoatError, PolicyError } from '../errors.js';
import type { VerificationKey, VerificationPolicy, TrustedRoot } from '../sign/types.js';
import { readFileBounded } from '../util/bounded-file.js';
import { locate, readPolicyText, validatePolicyDocument, type LineOf } from './document.js';
import { defaultPolicyLimits, type PolicyLimits } from './limits.js';
import { setProgram, type RuleProgram } from './program.js';
import { checkOf } from './rule-kind.js';
import type { CompiledPolicy, PolicyDocument, PolicyRule } from './types.js';

/** Where a policy's key and trusted-root files are, and whether it may name files at all. */
export interface CompileOptions {
  /** Directory file paths in the policy are relative to (default: the working directory). */
  baseDir?: string;
  /** A policy stored on the server has no files: keys and trusted roots must be inline. */
  allowFiles?: boolean;
  /** Limits (tests; defaults otherwise). */
  limits?: PolicyLimits;
}

/** Key and trusted-root files a policy names are at most this large. */
const maxMaterialBytes = 4 * 1024 * 1024;

/**
 * Parses and compiles policy text (YAML or JSON); `source` names it in errors.
 * @example
 * const policy = await parsePolicy(await readFile('policy.yaml', 'utf8'), 'policy.yaml', { allowFiles: true });
 */
export async function parsePolicy(
  text: string,
  source: string,
  options: CompileOptions = {},
): Promise<CompiledPolicy> {
  const limits = options.limits ?? defaultPolicyLimits;
  const { document, lineOf } = readPolicyText(text, source, limits);
  return compileDocument(document, source, options, limits, lineOf);
}

/**
 * Compiles a policy document already parsed (a JSON request body).
 * @example const policy = await compilePolicy(JSON.parse(body), 'projects/app/policy');
 */
export async function compilePolicy(
  document: unknown,
  source: string,
  options: CompileOptions = {},
): Promise<CompiledPolicy> {
  const limits = options.limits ?? defaultPolicyLimits;
  return compileDocument(validatePolicyDocument(document, source, limits), source, options, limits);
}

/**
 * Reads, parses and compiles a policy file; key and trusted-root paths in it are relative to its
 * directory.
 * @example
 * const policy = await loadPolicyFile('policy.yaml');
 * const decision = await evaluatePolicy(policy, input);
 */
export async function loadPolicyFile(path: string): Promise<CompiledPolicy> {
  return (await readPolicyFile(path)).compile();
}

/**
 * The first half of {@link loadPolicyFile}: the file read, parsed and validated (YAML and
 * schema errors thrown here), its compilation (CEL, keys, trusted roots) left to `compile()` —
 * so that `moat policy check` can compile while the image is being read.
 */
export async function readPolicyFile(
  path: string,
): Promise<{ compile(): Promise<CompiledPolicy> }> {
  let bytes: Buffer;
  try {
    bytes = await readFileBounded(path, defaultPolicyLimits.maxDocumentBytes, 'policy file');
  } catch (cause) {
    if (isMoatError(cause) && cause.code === 'LIMIT_EXCEEDED') {
      throw new PolicyError(
        'POLICY_INVALID',
        `${path}: the policy is larger than the limit of ${defaultPolicyLimits.maxDocumentBytes} bytes`,
        { cause },
      );
    }
    throw new PolicyError(
      'POLICY_INVALID',
      `${path}: cannot read the policy: ${messageOf(cause)}`,
      {
        cause,
      },
    );
  }
  const limits = defaultPolicyLimits;
  const { document, lineOf } = readPolicyText(bytes.toString('utf8'), path, limits);
  const options = { baseDir: dirname(path), allowFiles: true };
  return { compile: () => compileDocument(document, path, options, limits, lineOf) };
}

async function compileDocument(
  document: PolicyDocument,
  source: string,
  options: CompileOptions,
  limits: PolicyLimits,
  lineOf?: LineOf,
): Promise<CompiledPolicy> {
  const rules: RuleProgram[] = [];
  const verifications = new Map<string, VerificationPolicy>();
  for (const [index, rule] of document.spec.rules.entries()) {
    const where = (...key: PropertyKey[]) =>
      locate(source, ['spec', 'rules', index, ...key], lineOf);
    const program: RuleProgram = { rule, check: checkOf(rule), verifications: [] };
    if (rule.expression !== undefined) {
      // The CEL runtime loads only for policies that have expressions.
      const { compileExpression } = await import('./cel/program.js');
      program.expression = compileExpression(rule.expression, where('expression'), limits);
    }
    if (rule.requireSignatures !== undefined) {
      program.verifications = await loadVerifications(rule, where, options);
      const primary = program.verifications[0];
      if (primary !== undefined) verifications.set(rule.name, primary);
    }
    if (rule.requiredLabels !== undefined && !Array.isArray(rule.requiredLabels)) {
      const { compileLabelPatterns } = await import('./checks/label-patterns.js');
      program.labelPatterns = compileLabelPatterns(rule.requiredLabels, where('requiredLabels'));
    }
    rules.push(program);
  }
  const compiled: CompiledPolicy = {
    document,
    name: document.metadata.name,
    hash: hashDocument(document),
    verifications,
  };
  setProgram(compiled, rules);
  return compiled;
}

/** One verification per way of signing the rule accepts: its keys, then each keyless identity. */
async function loadVerifications(
  rule: PolicyRule,
  where: (...key: PropertyKey[]) => string,
  options: CompileOptions,
): Promise<VerificationPolicy[]> {
  const requirement = rule.requireSignatures ?? {};
  const { predicateTypeFor } = await import('../sign/payload/predicate.js');
  for (const [index, wanted] of (requirement.attestations ?? []).entries()) {
    try {
      predicateTypeFor(wanted.type);
    } catch (cause) {
      const at = where('requireSignatures', 'attestations', index, 'type');
      throw new PolicyError('POLICY_INVALID', `${at}: ${messageOf(cause)}`, { cause });
    }
  }
  const { readPublicKey } = await import('../sign/keys/index.js');
  const keys: VerificationKey[] = [];
  for (const [index, key] of (requirement.keys ?? []).entries()) {
    const at = where('requireSignatures', 'keys', index);
    const material = await readMaterial(key, at, options, 'key');
    try {
      keys.push(readPublicKey(material.bytes, material.source));
    } catch (cause) {
      throw new PolicyError('POLICY_INVALID', `${at}: ${messageOf(cause)}`, { cause });
    }
  }
  const policies: VerificationPolicy[] = keys.length > 0 ? [{ keys }] : [];
  const identities = requirement.keyless ?? [];
  if (identities.length === 0) return policies;
  const rootAt = where('requireSignatures', 'trustedRoot');
  const material = await readMaterial(
    requirement.trustedRoot ?? '',
    rootAt,
    options,
    'trusted root',
  );
  let trustedRoot: TrustedRoot;
  try {
    const { loadTrustedRoot } = await import('../sign/verify/trusted-root.js');
    trustedRoot = loadTrustedRoot(material.bytes, material.source);
  } catch (cause) {
    throw new PolicyError('POLICY_INVALID', `${rootAt}: ${messageOf(cause)}`, { cause });
  }
  const { checkIdentityPolicy } = await import('../sign/verify/identity.js');
  for (const [index, identity] of identities.entries()) {
    try {
      policies.push({ trustedRoot, identity: checkIdentityPolicy(identity) });
    } catch (cause) {
      throw new PolicyError(
        'POLICY_INVALID',
        `${where('requireSignatures', 'keyless', index)}: ${messageOf(cause)}`,
        { cause },
      );
    }
  }
  return policies;
}

/** Inline PEM or JSON, or (policy files only) a path relative to the policy. */
async function readMaterial(
  value: string,
  at: string,
  options: CompileOptions,
  what: string,
): Promise<{ bytes: Buffer; source: string }> {
  const text = value.trim();
  if (text.startsWith('-----BEGIN') || text.startsWith('{')) {
    return { bytes: Buffer.from(text), source: at };
  }
  if (options.allowFiles !== true) {
    throw new PolicyError(
      'POLICY_INVALID',
      `${at}: a policy stored on the server carries its ${what} inline (PEM or JSON text), not a file path`,
    );
  }
  const path = isAbsolute(text) ? text : resolve(options.baseDir ?? '.', text);
  try {
    return { bytes: await readFileBounded(path, maxMaterialBytes, what), source: text };
  } catch (cause) {
    throw new PolicyError(
      'POLICY_INVALID',
      `${at}: cannot read ${what} ${text}: ${messageOf(cause)}`,
      {
        cause,
      },
    );
  }
}

/** SHA-256 of the document's canonical JSON (keys sorted): the same policy, the same hash. */
function hashDocument(document: PolicyDocument): string {
  return `sha256:${createHash('sha256').update(canonicalJson(document)).digest('hex')}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}
