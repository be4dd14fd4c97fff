import { describe, expect, it } from 'vitest';

import { NeedleScan } from './needle-scan.js';

const go = Buffer.from('\xff Go buildinf:', 'latin1');
const rust = Buffer.from('.dep-v0');

function scan(chunks: string[], needles = [go, rust]): Buffer[] {
  const scanner = new NeedleScan(needles);
  for (const chunk of chunks) scanner.push(Buffer.from(chunk, 'latin1'));
  return needles.filter((n) => scanner.found.has(n));
}

describe('NeedleScan', () => {
  it('finds a needle inside one chunk', () => {
    expect(scan(['....\xff Go buildinf:....'])).toEqual([go]);
  });

  it('finds a needle split across two chunks', () => {
    expect(scan(['abc.dep', '-v0xyz'])).toEqual([rust]);
  });

  it('finds a needle spread over several tiny chunks', () => {
    expect(scan(['.', 'd', 'e', 'p', '-', 'v', '0'])).toEqual([rust]);
  });

  it('finds nothing when no needle occurs, even with near misses at boundaries', () => {
    expect(scan(['abc.dep', '-v1', '\xff Go build', 'inf'])).toEqual([]);
  });
});
