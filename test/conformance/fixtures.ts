/**
 * The content the OCI conformance suite (distribution-spec v1.1.1, `conformance/setup.go`)
 * pushes, rebuilt in TypeScript with the same shapes: one image config and one image manifest per
 * workflow, a small gzip layer, two random blobs (one pushed in two chunks), and the referrers
 * fixtures (artifacts whose artifactType comes from the config or from `artifactType`, an index
 * artifact, and one whose subject was never pushed).
 */
import { randomBytes } from 'node:crypto';

import { sha256 } from './registry-harness.js';

/** A blob and its digest. */
export interface TestContent {
  content: Buffer;
  digest: string;
}

const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const ociIndex = 'application/vnd.oci.image.index.v1+json';
const emptyJson = 'application/vnd.oci.empty.v1+json';

/** What the suite's Go marshalling produces: tab-indented JSON. */
const encode = (value: unknown): Buffer => Buffer.from(JSON.stringify(value, null, '\t'));
const content = (data: Buffer): TestContent => ({ content: data, digest: sha256(data) });
const descriptor = (mediaType: string, item: TestContent): object => ({
  mediaType,
  digest: item.digest,
  size: item.content.length,
});

/** The suite's gzip'ed one-file tarball (`test.txt`), as base64 in `setup.go`. */
export const layer = content(
  Buffer.from(
    'H4sIAAAAAAAAA+3OQQrCMBCF4a49xXgBSUnaHMCTRBptQRNpp6i3t0UEV7oqIv7fYgbmzeJpHHSjVy0' +
      'WZCa1c/MufWVe94N3RWlrZ72x3k/30nhbFWKWLPU0Dhp6keJ8im//PuU/6pZH2WVtYx8b0Sz7LjWSR5VLG6YRBumSzOlGtjkd+qD' +
      'jMWiX07Befbs7AAAAAAAAAAAAAAAAAPyzO34MnqoAKAAA',
    'base64',
  ),
);

/** One image config per workflow, each unique through a random author. */
export const configs: TestContent[] = Array.from({ length: 5 }, () =>
  content(
    encode({
      author: randomBytes(8).toString('hex'),
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  ),
);

/** One image manifest per workflow; the config descriptor carries `data` and an unknown field. */
export const manifests: TestContent[] = configs.map((config) =>
  content(
    encode({
      schemaVersion: 2,
      mediaType: ociManifest,
      config: {
        ...descriptor('application/vnd.oci.image.config.v1+json', config),
        data: config.content.toString('base64'),
        newUnspecifiedField: Buffer.from('hello world').toString('base64'),
      },
      layers: [
        {
          ...descriptor('application/vnd.oci.image.layer.v1.tar+gzip', layer),
          newUnspecifiedField: null,
        },
      ],
    }),
  ),
);

/** A manifest without layers and without `mediaType` (the push workflow's "empty layer"). */
export const emptyLayerManifest = content(
  encode({
    schemaVersion: 2,
    config: descriptor('application/vnd.oci.image.config.v1+json', configs[1] as TestContent),
    layers: [],
  }),
);

/** 42 random bytes pushed streamed. */
export const blobA = content(randomBytes(42));
/** 42 random bytes pushed in two chunks: bytes 0–21, then 22–41. */
export const blobB = content(randomBytes(42));
export const blobBChunks = [blobB.content.subarray(0, 22), blobB.content.subarray(22)] as const;

/** A digest nothing has. */
export const dummyDigest = sha256('hello world');

// --- referrers -------------------------------------------------------------------------------

export const emptyJsonBlob = content(Buffer.from('{}'));
export const refBlobA = content(Buffer.from('NHL Peanut Butter on my NHL bagel'));
export const refBlobB = content(Buffer.from('NBA Strawberry Jam on my NBA croissant'));
export const artifactTypeA = 'application/vnd.nhl.peanut.butter.bagel';
export const artifactTypeB = 'application/vnd.nba.strawberry.jam.croissant';
export const artifactTypeIndex = 'application/vnd.food.stand';
export const annotationKey = 'org.opencontainers.conformance.test';

/** The subject of the referrers tests (manifests[4]); manifests[3] is a subject never pushed. */
export const subject = manifests[4] as TestContent;
const missingSubject = manifests[3] as TestContent;

const configArtifact = (type: string, blob: TestContent, note: string): TestContent =>
  content(
    encode({
      schemaVersion: 2,
      mediaType: ociManifest,
      config: descriptor(type, blob),
      subject: descriptor(ociManifest, subject),
      layers: [descriptor(emptyJson, emptyJsonBlob)],
      annotations: { [annotationKey]: note },
    }),
  );

const layerArtifact = (
  type: string,
  blob: TestContent,
  about: TestContent,
  note?: string,
): TestContent =>
  content(
    encode({
      schemaVersion: 2,
      mediaType: ociManifest,
      artifactType: type,
      config: descriptor(emptyJson, emptyJsonBlob),
      subject: descriptor(ociManifest, about),
      layers: [descriptor(type, blob)],
      ...(note !== undefined ? { annotations: { [annotationKey]: note } } : {}),
    }),
  );

export const refsConfigArtifactA = configArtifact(artifactTypeA, refBlobA, 'test config a');
export const refsConfigArtifactB = configArtifact(artifactTypeB, refBlobB, 'test config b');
export const refsLayerArtifactA = layerArtifact(artifactTypeA, refBlobA, subject, 'test layer a');
export const refsLayerArtifactB = layerArtifact(artifactTypeB, refBlobB, subject, 'test layer b');
/** Refers to a subject that is never pushed. */
export const refsLayerArtifactC = layerArtifact(artifactTypeB, refBlobB, missingSubject);
export const refsIndexArtifact = content(
  encode({
    schemaVersion: 2,
    mediaType: ociIndex,
    artifactType: artifactTypeIndex,
    manifests: [
      descriptor(ociManifest, refsConfigArtifactA),
      descriptor(ociManifest, refsLayerArtifactA),
    ],
    subject: descriptor(ociManifest, subject),
    annotations: { [annotationKey]: 'test index' },
  }),
);

/** The annotation each referrer carries, by digest. */
export const annotationOf: ReadonlyMap<string, string> = new Map([
  [refsConfigArtifactA.digest, 'test config a'],
  [refsConfigArtifactB.digest, 'test config b'],
  [refsLayerArtifactA.digest, 'test layer a'],
  [refsLayerArtifactB.digest, 'test layer b'],
  [refsIndexArtifact.digest, 'test index'],
]);
