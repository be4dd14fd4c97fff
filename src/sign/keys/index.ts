/**
 * Keys for signing and verifying: generation, cosign's encrypted key format and the other PEM
 * forms `--key` accepts, raw signatures per algorithm, cosign's bundle key hint and the password
 * source. See `README.md` beside this file for the formats and the facts taken from cosign.
 */
export { algorithmOf, generateSigningKey } from './algorithm.js';
export { encodeCosignPrivateKey, encodePublicKey } from './encode.js';
export { loadPrivateKeyFile, loadPublicKeyFile } from './files.js';
export { keyHint } from './hint.js';
export { passwordSource } from './password.js';
export { readPrivateKey } from './read-private.js';
export { readPublicKey } from './read-public.js';
export { signatureHashOf, signData, verifyData } from './sign.js';
