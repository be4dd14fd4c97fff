/**
 * Running sha256 states of the uploads this process wrote in order, so that committing a blob
 * does not read its bytes again. A state is only a shortcut: it is used when it covers exactly the
 * bytes stored (same size), and the store re-reads the data otherwise (after a restart, when
 * another node appended, for sha512). The table is bounded: the oldest states are dropped first.
 */
import { createHash, type Hash } from 'node:crypto';

/** How many upload states are kept at most (each is a few hundred bytes). */
const maxStates = 10_000;

interface HashState {
  size: number;
  hash: Hash;
}

/** The running hashes, by upload id. */
export class UploadHashes {
  readonly #states = new Map<string, HashState>();

  /** Starts an empty upload's state. */
  start(id: string): void {
    this.set(id, { size: 0, hash: createHash('sha256') });
  }

  /**
   * A copy of the state to extend with the bytes appended at `offset`, or undefined when the
   * state does not end there. The stored state changes only through {@link set}, once the append
   * is durable.
   */
  continueAt(id: string, offset: number): Hash | undefined {
    const state = this.#states.get(id);
    if (state?.size !== offset) return undefined;
    return state.hash.copy();
  }

  /** The sha256 hex of the upload when the state covers exactly `size` bytes. */
  digestHex(id: string, size: number): string | undefined {
    const state = this.#states.get(id);
    if (state?.size !== size) return undefined;
    return state.hash.copy().digest('hex');
  }

  set(id: string, state: HashState): void {
    this.#states.delete(id);
    this.#states.set(id, state);
    if (this.#states.size > maxStates) {
      const oldest = this.#states.keys().next();
      if (oldest.done !== true) this.#states.delete(oldest.value);
    }
  }

  forget(id: string): void {
    this.#states.delete(id);
  }
}
