/**
 * s3rver (an S3 imitation from npm) for tests: started in-process on 127.0.0.1 at a free port
 * with a temporary directory and one bucket, and removed again when stopped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BlobStoreConfig } from '../../types.js';

/** The part of s3rver's API used here (it ships no types). */
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string; configs: string[] }[];
}) => S3rverServer;

/** A running s3rver with one bucket. */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** The blob-store configuration for keys under `prefix` in the bucket. */
  config(prefix: string): Extract<BlobStoreConfig, { kind: 's3' }>;
  stop(): Promise<void>;
}

/** Starts s3rver with the bucket `bucket`. */
export async function startS3rver(bucket = 'moat-test'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'moat-s3rver-'));
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    config: (prefix) => ({
      kind: 's3',
      endpoint,
      bucket,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
      prefix,
      partSize: 5 * 1024 * 1024,
    }),
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
