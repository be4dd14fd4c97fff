/**
 * cosign's `--type` names for attestation predicates and how `cosign attest` turns a predicate
 * file into the statement's `predicate` (cosign `cmd/cosign/cli/options/predicate.go`,
 * `pkg/cosign/attestation/attestation.go` `GenerateStatement`).
 */
import { MoatError } from '../../errors.js';

/** cosign's custom predicate type: the default `--type custom`. */
export const cosignCustomPredicateType = 'https://cosign.sigstore.dev/attestation/v1';
/** cosign's vulnerability-scan predicate type (`--type vuln`). */
export const cosignVulnPredicateType = 'https://cosign.sigstore.dev/attestation/vuln/v1';

/** cosign's `PredicateTypeMap`: `--type` name → predicate type URI. */
export const predicateTypes: Readonly<Record<string, string>> = Object.freeze({
  custom: cosignCustomPredicateType,
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  link: 'https://in-toto.io/Link/v1',
  vuln: cosignVulnPredicateType,
  openvex: 'https://openvex.dev/ns',
});

/** The names `--type` accepts besides a URI, for messages and help. */
export const predicateTypeNames = Object.keys(predicateTypes);

/**
 * Go's `url.ParseRequestURI` as cosign uses it to accept a `--type` URI: an absolute URI
 * (`scheme:…`) or an absolute path, with no control characters or spaces.
 */
function isRequestUri(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (text === '' || /[\u0000-\u0020\u007f]/.test(text)) return false;
  return text.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:./.test(text);
}

/**
 * Resolves a `--type` value: one of cosign's names (`slsaprovenance`, `cyclonedx`, `vuln`, …) or a
 * predicate type URI, which passes as is. Anything else is `USAGE`.
 *
 * @example
 * predicateTypeFor('cyclonedx') // 'https://cyclonedx.org/bom'
 */
export function predicateTypeFor(type: string): string {
  if (Object.hasOwn(predicateTypes, type)) return predicateTypes[type]!;
  if (isRequestUri(type)) return type;
  throw new MoatError(
    'USAGE',
    `invalid predicate type ${JSON.stringify(type)}: use one of ${predicateTypeNames.join(', ')} or a URI`,
  );
}

function parseObject(predicate: Buffer, type: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(predicate.toString('utf8'));
  } catch (error) {
    throw new MoatError('USAGE', `the predicate for --type ${type} is not JSON`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MoatError('USAGE', `the predicate for --type ${type} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function rfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const goZeroTime = '0001-01-01T00:00:00Z';

function objectAt(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const inner = Object.hasOwn(value, key) ? value[key] : undefined;
  return typeof inner === 'object' && inner !== null && !Array.isArray(inner)
    ? (inner as Record<string, unknown>)
    : {};
}

function stringAt(value: Record<string, unknown>, key: string, fallback = ''): string {
  const inner = Object.hasOwn(value, key) ? value[key] : undefined;
  if (inner === undefined || inner === null) return fallback;
  if (typeof inner !== 'string') {
    throw new MoatError('USAGE', `the vuln predicate's ${key} must be a string`);
  }
  return inner;
}

function anyAt(value: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(value, key) ? (value[key] ?? null) : null;
}

/**
 * cosign re-marshals a `vuln` predicate through its `CosignVulnPredicate` struct, which keeps only
 * the fields it knows and fills missing ones with Go zero values.
 */
function vulnPredicate(raw: Record<string, unknown>): Record<string, unknown> {
  const invocation = objectAt(raw, 'invocation');
  const scanner = objectAt(raw, 'scanner');
  const db = objectAt(scanner, 'db');
  const metadata = objectAt(raw, 'metadata');
  return {
    invocation: {
      parameters: anyAt(invocation, 'parameters'),
      uri: stringAt(invocation, 'uri'),
      event_id: stringAt(invocation, 'event_id'),
      'builder.id': stringAt(invocation, 'builder.id'),
    },
    scanner: {
      uri: stringAt(scanner, 'uri'),
      version: stringAt(scanner, 'version'),
      db: { uri: stringAt(db, 'uri'), version: stringAt(db, 'version') },
      result: anyAt(scanner, 'result'),
    },
    metadata: {
      scanStartedOn: stringAt(metadata, 'scanStartedOn', goZeroTime),
      scanFinishedOn: stringAt(metadata, 'scanFinishedOn', goZeroTime),
    },
  };
}

// in-toto-golang's Link struct fields without omitempty: cosign requires each (checkRequiredJSONFields).
const linkFields = [
  '_type',
  'name',
  'materials',
  'products',
  'byproducts',
  'command',
  'environment',
];

/**
 * Turns a predicate file into the statement's `predicate` as `cosign attest --type TYPE` does:
 * `custom` wraps the file's text as `{Data, Timestamp}`; `spdx` embeds the text as a string;
 * `vuln` keeps cosign's vulnerability fields; the others (and a URI) must be a JSON object.
 * `USAGE` for a predicate cosign would refuse.
 */
export function attestationPredicate(type: string, predicate: Buffer, now = new Date()): unknown {
  predicateTypeFor(type);
  switch (type) {
    case 'custom':
      return { Data: predicate.toString('utf8'), Timestamp: rfc3339Seconds(now) };
    case 'spdx':
      return predicate.toString('utf8');
    case 'vuln':
      return vulnPredicate(parseObject(predicate, type));
    case 'link': {
      const link = parseObject(predicate, type);
      const missing = linkFields.find((field) => !Object.hasOwn(link, field));
      if (missing !== undefined) {
        throw new MoatError('USAGE', `link statement: required field ${missing} missing`);
      }
      return link;
    }
    default:
      return parseObject(predicate, type);
  }
}
