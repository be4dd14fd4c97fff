/**
 * Where the password comes from: MOAT_PASSWORD, then COSIGN_PASSWORD (empty is a password), else
 * a no-echo prompt on a terminal (twice when confirming), else a usage error naming both
 * variables. The terminal is a stream with `isTTY` and `setRawMode`, as Node's tty.ReadStream.
 */
import { PassThrough, Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { MoatError } from '../../errors.js';
import { passwordSource } from './password.js';

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return Object.assign(stream, { text: () => chunks.join('') });
}

/** A fake terminal: what is typed arrives as data once the prompt switched to raw mode. */
function terminal(...typed: string[]) {
  const stdin = new PassThrough();
  const modes: boolean[] = [];
  Object.assign(stdin, {
    isTTY: true,
    setRawMode(raw: boolean) {
      modes.push(raw);
      if (raw) {
        const next = typed.shift();
        if (next !== undefined) setImmediate(() => stdin.write(next));
      }
      return stdin;
    },
  });
  return { stdin, modes };
}

describe('passwordSource', () => {
  it('takes MOAT_PASSWORD first', async () => {
    const env = { MOAT_PASSWORD: 'moat', COSIGN_PASSWORD: 'cosign' };
    const read = passwordSource({ stderr: sink(), env }, { confirm: true });
    expect((await read()).toString()).toBe('moat');
  });

  it('takes COSIGN_PASSWORD when MOAT_PASSWORD is not set', async () => {
    const read = passwordSource(
      { stderr: sink(), env: { COSIGN_PASSWORD: 'cosign' } },
      { confirm: false },
    );
    expect((await read()).toString()).toBe('cosign');
  });

  it('takes an empty COSIGN_PASSWORD as an empty password, as cosign does', async () => {
    const { stdin } = terminal('never typed\r');
    const read = passwordSource(
      { stderr: sink(), stdin, env: { COSIGN_PASSWORD: '' } },
      { confirm: false },
    );
    expect(await read()).toEqual(Buffer.alloc(0));
  });

  it('without a variable or a terminal, fails with USAGE naming the variables', async () => {
    const read = passwordSource(
      { stderr: sink(), stdin: new PassThrough(), env: {} },
      { confirm: false },
    );
    const error = await read().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(error).toBeInstanceOf(MoatError);
    expect(error).toMatchObject({ code: 'USAGE' });
    expect((error as Error).message).toContain('MOAT_PASSWORD');
    expect((error as Error).message).toContain('COSIGN_PASSWORD');
  });

  it('prompts on a terminal in raw mode (no echo) and restores it', async () => {
    const { stdin, modes } = terminal('pa\u007fss\r');
    const stderr = sink();
    const read = passwordSource({ stderr, stdin, env: {} }, { confirm: false });
    expect((await read()).toString()).toBe('pss');
    expect(stderr.text()).toBe('Enter password for private key: \n');
    expect(modes).toEqual([true, false]);
  });

  it('asks twice when confirming and takes matching answers', async () => {
    const { stdin } = terminal('same\r', 'same\n');
    const stderr = sink();
    const read = passwordSource({ stderr, stdin, env: {} }, { confirm: true });
    expect((await read()).toString()).toBe('same');
    expect(stderr.text()).toBe(
      'Enter password for private key: \nEnter password for private key again: \n',
    );
  });

  it('refuses answers that differ when confirming', async () => {
    const { stdin } = terminal('one\r', 'two\r');
    const read = passwordSource({ stderr: sink(), stdin, env: {} }, { confirm: true });
    await expect(read()).rejects.toMatchObject({
      code: 'USAGE',
      message: 'the passwords do not match',
    });
  });

  it('stops on Ctrl-C', async () => {
    const { stdin } = terminal('abc\u0003');
    const read = passwordSource({ stderr: sink(), stdin, env: {} }, { confirm: false });
    await expect(read()).rejects.toMatchObject({
      code: 'USAGE',
      message: 'password prompt interrupted',
    });
  });

  it('asks only once however often the password is needed', async () => {
    const { stdin } = terminal('once\r');
    const stderr = sink();
    const read = passwordSource({ stderr, stdin, env: {} }, { confirm: false });
    const first = await read();
    const second = await read();
    expect(second.toString()).toBe('once');
    expect(first).toBe(second);
    expect(stderr.text().match(/Enter password/g)).toHaveLength(1);
  });
});
