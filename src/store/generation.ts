/**
 * The database generation: a counter in a `SharedArrayBuffer` that the writer bumps after every
 * commit that changed something. Any thread that holds the buffer reads it with one atomic load,
 * so caches (haves sets, listings, ETags) key their entries by it for free.
 *
 * Invariants:
 * 1. Only the writer thread calls `bump()`, after COMMIT and before it acknowledges the batch: when a
 *    caller's `write()` resolves, `get()` already answers a value above the one it saw before.
 * 2. The counter never goes back, within a process and across restarts: a fresh counter starts at
 *    `Date.now() * 1000`, so a restart starts above the last run unless that run averaged over a
 *    million commits per second. ETags built from it therefore never repeat for different data.
 * 3. It fits a JS number: ms-since-epoch × 1000 is about 1.8e15, below 2^53.
 */
export class Generation {
  readonly buffer: SharedArrayBuffer;
  readonly #cell: BigInt64Array;

  /** Wraps an existing buffer (a worker thread given it in workerData) or creates a new counter. */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
    this.#cell = new BigInt64Array(this.buffer, 0, 1);
    if (!buffer) Atomics.store(this.#cell, 0, BigInt(Date.now()) * 1000n);
  }

  /** The current generation. */
  get(): number {
    return Number(Atomics.load(this.#cell, 0));
  }

  /** Writer thread only (invariant 1): moves the generation on and returns the new value. */
  bump(): number {
    return Number(Atomics.add(this.#cell, 0, 1n) + 1n);
  }
}
