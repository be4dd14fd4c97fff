import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';

import { memoryImage, type MemoryEntry } from '../../test/fixtures/memory-image.js';
import type { LayerOp } from './layer-ops.js';
import type { LayerEntry } from './types.js';
import { readAll } from '../util/streams.js';
import { maxRecordedPathChars, walkImage } from './walker.js';

type Spec = MemoryEntry;

/** Walks keeping the text of every file whose name ends in `.txt`. */
async function texts(layers: Spec[][]): Promise<Record<string, string>> {
  const result = await walkImage(memoryImage(layers), (file) => {
    if (!file.path.endsWith('.txt')) return undefined;
    return readAll(file.content, 1024, file.path).then((b) => ({
      result: Promise.resolve(b.toString()),
    }));
  });
  return Object.fromEntries(result.files.map((f) => [f.path, `${f.result}@${f.layer.index}`]));
}

describe('walkImage', () => {
  it('keeps the topmost version of a file and the layer that supplied it', async () => {
    expect(
      await texts([
        [
          { path: 'a.txt', content: 'old' },
          { path: 'b.txt', content: 'base' },
        ],
        [{ path: 'a.txt', content: 'new' }],
      ]),
    ).toEqual({ 'a.txt': 'new@1', 'b.txt': 'base@0' });
  });

  it('removes a file whited out by a later layer', async () => {
    expect(
      await texts([[{ path: 'etc/a.txt', content: 'x' }], [{ path: 'etc/.wh.a.txt' }]]),
    ).toEqual({});
  });

  it('removes a whole directory whited out by a later layer', async () => {
    expect(
      await texts([
        [
          { path: 'opt/app/x.txt', content: 'x' },
          { path: 'opt/keep.txt', content: 'k' },
        ],
        [{ path: 'opt/.wh.app' }],
      ]),
    ).toEqual({ 'opt/keep.txt': 'k@0' });
  });

  it('empties a directory below an opaque whiteout but keeps the same layer’s new files', async () => {
    expect(
      await texts([
        [
          { path: 'srv/old.txt', content: 'o' },
          { path: 'srv/sub/deep.txt', content: 'd' },
          { path: 'srvx.txt', content: 's' },
        ],
        [
          { path: 'srv', type: 'dir' },
          { path: 'srv/.wh..wh..opq' },
          { path: 'srv/new.txt', content: 'n' },
        ],
      ]),
    ).toEqual({ 'srv/new.txt': 'n@1', 'srvx.txt': 's@0' });
  });

  it('drops files below a directory that a later layer replaced by a symlink', async () => {
    expect(
      await texts([
        [{ path: 'lib/x.txt', content: 'x' }],
        [{ path: 'lib', type: 'symlink', linkTarget: 'usr/lib' }],
      ]),
    ).toEqual({});
  });

  it('gives a hard link the result of the file it points to', async () => {
    expect(
      await texts([
        [
          { path: 'a.txt', content: 'shared' },
          { path: 'b.txt', type: 'hardlink', linkTarget: 'a.txt' },
        ],
      ]),
    ).toEqual({ 'a.txt': 'shared@0', 'b.txt': 'shared@0' });
  });

  it('resolves symlinks inside the root and never above it', async () => {
    const result = await walkImage(
      memoryImage([
        [
          { path: 'etc/os-release', type: 'symlink', linkTarget: '../usr/lib/os-release' },
          { path: 'lib', type: 'symlink', linkTarget: 'usr/lib' },
          { path: 'escape', type: 'symlink', linkTarget: '../../../../etc/shadow' },
          { path: 'abs', type: 'symlink', linkTarget: '/lib/x' },
          { path: 'loop1', type: 'symlink', linkTarget: 'loop2' },
          { path: 'loop2', type: 'symlink', linkTarget: 'loop1' },
        ],
      ]),
      () => undefined,
    );
    expect(result.resolve('etc/os-release')).toBe('usr/lib/os-release');
    expect(result.resolve('lib/apk/db/installed')).toBe('usr/lib/apk/db/installed');
    expect(result.resolve('escape')).toBe('etc/shadow');
    expect(result.resolve('abs')).toBe('usr/lib/x');
    expect(result.resolve('loop1')).toBeUndefined();
  });
});

describe('walkImage on sources that can drop content unread', () => {
  it('discards unwanted files without reading them', async () => {
    let discarded = 0;
    const unreadable = (): Readable =>
      new Readable({
        read() {
          this.destroy(new Error('content was read'));
        },
      });
    const image = memoryImage([[]]);
    image.layerEntries = () =>
      Readable.from([
        {
          path: 'big.bin',
          type: 'file',
          mode: 0o644,
          size: 10,
          content: unreadable(),
          discardContent: () => void discarded++,
        } satisfies LayerEntry,
      ]) as AsyncIterable<LayerEntry>;
    const result = await walkImage(image, () => undefined);
    expect(result.files).toEqual([]);
    expect(discarded).toBe(1);
  });
});

describe('walkImage recording a layer', () => {
  it('records a run of removals as one operation, not one per entry', async () => {
    const files = Array.from({ length: 1000 }, (_, i) => ({ path: `usr/f${i}`, content: 'x' }));
    const recorded: LayerOp<unknown>[][] = [];
    await walkImage(memoryImage([files]), () => undefined, {
      recorder: {
        replay: () => Promise.resolve(undefined),
        record: (_digest, ops) => {
          recorded.push(ops);
          return Promise.resolve();
        },
      },
    });
    expect(recorded[0]).toHaveLength(1);
    expect(recorded[0]?.[0]).toMatchObject({ op: 'removes', subtree: true });
    expect((recorded[0]?.[0] as { paths: string[] }).paths).toHaveLength(1000);
  });
});

describe('walkImage recording a layer of long paths', () => {
  it('does not record a layer whose paths exceed the recording budget', async () => {
    const stem = 'p'.repeat(4000);
    const count = Math.ceil(maxRecordedPathChars / 4000) + 1;
    const files = Array.from({ length: count }, (_, i) => ({ path: `${stem}/${i}`, content: '' }));
    let recorded = 0;
    await walkImage(memoryImage([files]), () => undefined, {
      recorder: {
        replay: () => Promise.resolve(undefined),
        record: () => {
          recorded += 1;
          return Promise.resolve();
        },
      },
    });
    expect(recorded).toBe(0);
  });
});
