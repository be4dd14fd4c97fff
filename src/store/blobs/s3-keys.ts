/**
 * The object keys of the S3 blob store, all under the configured prefix:
 * - `blobs/<alg>/<hex>`: blobs, each whole and verified;
 * - `uploads/<id>/session`: marks an upload session that exists (possibly still empty);
 * - `uploads/<id>/<offset, 16 digits>`: one object per acknowledged append, holding its bytes;
 * - `uploads/<id>/commit`: a commit's verified bytes, before the server copies them to `blobs/`.
 * Zero-padded offsets sort lexically in numeric order, so a listing returns chunks in order.
 */
import { isDigestHex, type ParsedDigest } from './names.js';

/** The key names of one store (one prefix). */
export class S3Keys {
  readonly prefix: string;

  /** `prefix` names a folder: `moat` is read as `moat/`. */
  constructor(prefix: string) {
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  blob({ algorithm, hex }: ParsedDigest): string {
    return `${this.prefix}blobs/${algorithm}/${hex}`;
  }

  get blobsPrefix(): string {
    return `${this.prefix}blobs/`;
  }

  /** The digest a listed blob key names, or undefined for any other key. */
  digestOf(key: string): string | undefined {
    if (!key.startsWith(this.blobsPrefix)) return undefined;
    const [algorithm, hex, ...rest] = key.slice(this.blobsPrefix.length).split('/');
    if (rest.length > 0 || hex === undefined) return undefined;
    if (algorithm !== 'sha256' && algorithm !== 'sha512') return undefined;
    return isDigestHex(algorithm, hex) ? `${algorithm}:${hex}` : undefined;
  }

  get uploadsPrefix(): string {
    return `${this.prefix}uploads/`;
  }

  upload(id: string): string {
    return `${this.uploadsPrefix}${id}/`;
  }

  session(id: string): string {
    return `${this.upload(id)}session`;
  }

  /** Where a commit stages the verified blob: a PUT may leave a partial object, a copy may not. */
  staged(id: string): string {
    return `${this.upload(id)}commit`;
  }

  chunk(id: string, offset: number): string {
    return `${this.upload(id)}${String(offset).padStart(16, '0')}`;
  }

  /** The offset a listed key of upload `id` names, or undefined when it is not a chunk. */
  chunkOffset(id: string, key: string): number | undefined {
    const name = key.slice(this.upload(id).length);
    return /^[0-9]{16}$/.test(name) ? Number(name) : undefined;
  }
}
