import { describe, expect, it } from 'vitest';

import { nextTerminationSignal } from './temp-files.js';

describe('nextTerminationSignal', () => {
  it('resolves with the first SIGTERM or SIGINT and gives the signals back', async () => {
    const before = process.listenerCount('SIGTERM');
    const beforeInt = process.listenerCount('SIGINT');
    const termination = nextTerminationSignal();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    expect(await termination.signal).toBe('SIGTERM');
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(process.listenerCount('SIGINT')).toBe(beforeInt);
  });

  it('stops listening when cancelled', () => {
    const before = process.listenerCount('SIGINT');
    const termination = nextTerminationSignal();
    termination.cancel();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
