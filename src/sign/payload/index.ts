/**
 * The payloads cosign signs: the simple-signing payload of legacy image signatures, DSSE envelopes
 * and in-toto statements of attestations (and of bundle-format image signatures), and cosign's
 * predicate type names.
 */
export { simpleSigningMediaType, simpleSigningPayload } from './simple-signing.js';
export {
  dsseEnvelopeMediaType,
  inTotoPayloadType,
  serializeEnvelope,
  signEnvelope,
} from './dsse.js';
export {
  blobStatement,
  cosignSignPredicateType,
  imageSignatureStatement,
  imageStatement,
  parseStatement,
  serializeStatement,
  subjectAnnotations,
} from './intoto.js';
export { attestationPredicate, predicateTypeFor } from './predicate.js';
