/**
 * The payloads cosign signs: the simple-signing payload of legacy image signatures, DSSE envelopes
 * and in-toto statements of attestations (and of bundle-format image signatures), and cosign's
 * predicate type names.
 */
export {
  cosignSignatureType,
  parseSimpleSigningPayload,
  payloadAnnotations,
  simpleSigningMediaType,
  simpleSigningPayload,
} from './simple-signing.js';
export {
  dsseEnvelopeMediaType,
  envelopePayload,
  inTotoPayloadType,
  pae,
  parseEnvelope,
  serializeEnvelope,
  signEnvelope,
  verifyEnvelope,
  type VerifiedEnvelope,
} from './dsse.js';
export {
  blobStatement,
  cosignSignPredicateType,
  digestSet,
  imageSignatureStatement,
  imageStatement,
  parseStatement,
  serializeStatement,
  statementCoversDigest,
  subjectAnnotations,
  type ParsedSubject,
  statementTypeV01,
  statementTypeV1,
} from './intoto.js';
export {
  attestationPredicate,
  cosignCustomPredicateType,
  cosignVulnPredicateType,
  predicateTypeFor,
  predicateTypeNames,
  predicateTypes,
} from './predicate.js';
export { payloadLimits } from './limits.js';
export { decodeBase64Strict } from './base64.js';
