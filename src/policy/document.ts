/**
 * Reading a policy document: YAML (or JSON, which YAML reads too) parsed with line numbers kept,
 * validated by the zod schema, every error naming the source, the line and the key at fault
 * (`policy.yaml:12: spec.rules[1].maxSeverity.severity: …`).
 */
import { PolicyError } from '../errors.js';
import { readYamlText } from '../util/yaml-text.js';
import type { PolicyLimits } from './limits.js';
import { policySchema } from './schema.js';
import type { PolicyDocument } from './types.js';

/** Finds the line of a key path in the text a document came from. */
export type LineOf = (path: readonly PropertyKey[]) => number;

/**
 * Parses and validates policy text; `source` names it in errors (a file path, `project/policy`).
 * Returns the document and how to find the line of a key, for errors found later (CEL, keys).
 */
export function readPolicyText(
  text: string,
  source: string,
  limits: PolicyLimits,
): { document: PolicyDocument; lineOf: LineOf } {
  if (Buffer.byteLength(text) > limits.maxDocumentBytes) {
    throw new PolicyError(
      'POLICY_INVALID',
      `${source}: the policy is larger than the limit of ${limits.maxDocumentBytes} bytes`,
    );
  }
  const { value, lineOf: lineOfPath } = readYamlText(text, {
    source,
    what: 'the policy',
    maxAliases: limits.maxYamlAliases,
    fail: invalid,
  });
  return {
    document: validatePolicyDocument(value, source, limits, lineOfPath),
    lineOf: lineOfPath,
  };
}

/**
 * Validates a document already parsed (a JSON body); `lineOf` names a line when the document
 * came from text.
 */
export function validatePolicyDocument(
  value: unknown,
  source: string,
  limits: PolicyLimits,
  lineOfPath?: LineOf,
): PolicyDocument {
  const parsed = policySchema(limits).safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path ?? [];
  // An unknown field is found on its own line, not its mapping's.
  const linePath = issue?.code === 'unrecognized_keys' ? [...path, issue.keys[0] ?? ''] : path;
  const line = lineOfPath === undefined ? '' : `:${lineOfPath(linePath)}`;
  const key = keyPath(path);
  throw invalid(
    `${source}${line}${key === '' ? '' : `: ${key}`}: ${issue?.message ?? 'not a valid policy document'}`,
  );
}

/** `source:line: key` for a path into the document (`spec.rules[2].expression`). */
export function locate(source: string, path: readonly PropertyKey[], lineOfPath?: LineOf): string {
  const line = lineOfPath === undefined ? '' : `:${lineOfPath(path)}`;
  const key = keyPath(path);
  return `${source}${line}${key === '' ? '' : `: ${key}`}`;
}

/** `spec.rules[2].expression` for `['spec', 'rules', 2, 'expression']`. */
export function keyPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}

function invalid(message: string, cause?: unknown): PolicyError {
  return new PolicyError('POLICY_INVALID', message, cause === undefined ? undefined : { cause });
}
