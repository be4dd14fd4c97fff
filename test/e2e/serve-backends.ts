/**
 * The scale-out back ends for end-to-end tests of `moat serve`: a fresh PostgreSQL database per
 * run on the machine's server (127.0.0.1:5432, trust auth), dropped afterwards, and s3rver (npm)
 * started in the test process on a free loopback port with a temporary directory and one bucket.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ListObjectsV2Command, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';

/** The machine's PostgreSQL, as `.ci/run` provides it. */
const postgresAdminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database made for one test file. */
export interface TestDatabase {
  /** `postgres://postgres@127.0.0.1:5432/moat_t_…`, for `MOAT_DATABASE_URL`. */
  url: string;
  /** Drops the database, closing whatever connections are left on it. */
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates `moat_t_<random>` on the local PostgreSQL. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `moat_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** The part of s3rver's API the tests use (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string }>;
}) => S3rverInstance;

/** A running s3rver with one bucket. */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** `MOAT_S3_*` variables pointing `moat serve` at the bucket. */
  env: Record<string, string>;
  /** Every object of the bucket whose key ends in a hex digest: key, digest and the bytes' hash. */
  digestObjects(): Promise<Array<{ key: string; named: string; actual: string }>>;
  stop(): Promise<void>;
}

/** s3rver's fixed credentials. */
const s3Credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Starts s3rver on 127.0.0.1 with a temporary directory holding bucket `moat-e2e`. */
export async function startS3rver(): Promise<TestS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), 'moat-s3rver-'));
  const bucket = 'moat-e2e';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3Credentials,
  });
  return {
    endpoint,
    bucket,
    env: {
      MOAT_S3_ENDPOINT: endpoint,
      MOAT_S3_BUCKET: bucket,
      MOAT_S3_REGION: 'us-east-1',
      MOAT_S3_ACCESS_KEY_ID: s3Credentials.accessKeyId,
      MOAT_S3_SECRET_ACCESS_KEY: s3Credentials.secretAccessKey,
      MOAT_S3_FORCE_PATH_STYLE: 'true',
    },
    async digestObjects() {
      const found: Array<{ key: string; named: string; actual: string }> = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) {
          const key = object.Key ?? '';
          const named = /(?:^|[/:])([a-f0-9]{64})$/.exec(key)?.[1];
          if (named === undefined) continue;
          const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          const hash = createHash('sha256');
          for await (const chunk of got.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
          found.push({ key, named, actual: hash.digest('hex') });
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return found;
    },
    async stop() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
