/**
 * The image model every transport produces: a config, an ordered list of layers, and a way to
 * read each layer's entries as a stream. Nothing here touches the disk or the network.
 */
import type { Readable } from 'node:stream';

/** An OS/architecture pair as OCI image indexes and configs spell it. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** One layer as the manifest describes it. */
export interface LayerDescriptor {
  /** Digest of the blob as stored (compressed), e.g. `sha256:…`. */
  digest: string;
  /** Size of the blob as stored, in bytes. */
  size: number;
  mediaType: string;
  /** Digest of the uncompressed tar (from the config's `rootfs.diff_ids`), when known. */
  diffId?: string;
}

/** A descriptor in an OCI referrers index (the referrers API's answer or the tag-schema fallback). */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** The parts of an OCI/Docker image config Moat reads. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, unknown> | null;
  };
  rootfs?: { type: string; diff_ids: string[] };
  history?: Array<{
    created?: string;
    created_by?: string;
    empty_layer?: boolean;
    comment?: string;
  }>;
}

/** What kind of thing an image was read from. */
export type Transport = 'docker-archive' | 'oci' | 'oci-archive' | 'dir' | 'registry';

/** The kind of a filesystem entry inside a layer. */
export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** One entry of a layer, in the order the layer stores it. */
export interface LayerEntry {
  /** Normalised path relative to the image root: no leading `/`, no `.` or `..` parts. */
  path: string;
  type: EntryType;
  /** Permission bits (and setuid/setgid/sticky). */
  mode: number;
  /** Size of a regular file's content in bytes; 0 otherwise. */
  size: number;
  /** Symlink target as stored, or the normalised path a hard link points to. */
  linkTarget?: string;
  /**
   * The content of a regular file. Must be consumed or resumed before the next entry is read;
   * the walker drains it when nobody wants it.
   */
  content?: Readable;
  /**
   * Present when unread content can be dropped without reading it (a directory source opens
   * files lazily); the walker calls it instead of draining `content`.
   */
  discardContent?: () => void;
}

/** A readable container image from any transport. */
export interface Image {
  /** The target as the user named it. */
  readonly name: string;
  readonly transport: Transport;
  /** Digest of the manifest the layers came from, when there is one. */
  readonly manifestDigest?: string;
  /** Digest of the config blob, when there is one. */
  readonly configDigest?: string;
  readonly config: ImageConfig;
  /** Tags the source recorded for this image (`repo:tag`). */
  readonly repoTags: readonly string[];
  readonly layers: readonly LayerDescriptor[];
  /**
   * Streams the entries of layer `index` (0 = base). Blob digest and size are verified while
   * streaming: a mismatch rejects the iteration after the last byte.
   */
  layerEntries(index: number): AsyncIterable<LayerEntry>;
  /** Releases files, sockets and temp space held by the image. */
  close(): Promise<void>;
}

/** Options shared by every transport. */
export interface OpenImageOptions {
  /** Platform to select from a multi-platform index (`linux/amd64` by default). */
  platform?: Platform;
  /** Registry credentials given on the command line. */
  username?: string;
  password?: string;
  /** Allow plain HTTP registries (also implied for localhost). */
  insecure?: boolean;
  /** Limits on untrusted input; defaults from `util/limits`. */
  limits?: Partial<import('../util/limits.js').Limits>;
  /** Where warnings go (one line each). */
  onWarning?: (message: string) => void;
}

/** The blob form of a layer: a verified stream of the stored (possibly compressed) bytes. */
export type OpenBlob = (descriptor: LayerDescriptor) => Promise<Readable>;
