/**
 * The write gate: a lock in a `SharedArrayBuffer` that the writer thread and the checkpointer
 * thread take around what needs SQLite's write lock — the writer's transaction, the checkpointer's
 * `TRUNCATE` (TRUNCATE/RESTART/FULL checkpoints hold the write lock while they run, PASSIVE does not).
 *
 * Why: the writer runs with `busy_timeout=0`, so a TRUNCATE that holds the lock when a batch
 * begins answers SQLITE_BUSY (the writer then retries, but the busy counter, which must read 0,
 * moves). Taking the gate first turns that collision into a short, uncounted in-process wait.
 *
 * Invariants:
 * 1. The cell is 0 (free), 1 (writer) or 2 (checkpointer); only the holder releases it.
 * 2. Only worker threads block on the gate (Atomics.wait); the main thread never touches it.
 * 3. The checkpointer only *tries* (it skips a TRUNCATE while a batch runs: the writer has
 *    priority), except for the RESTART it runs while sync is held (checkpointer-worker.ts step 5),
 *    when batches are short: then it waits, bounded, for the running one. The writer waits,
 *    bounded, for a TRUNCATE or RESTART in progress to finish.
 */
export const GATE_FREE = 0;
export const GATE_WRITER = 1;
export const GATE_CHECKPOINTER = 2;
type Holder = typeof GATE_WRITER | typeof GATE_CHECKPOINTER;

export class WriterGate {
  readonly buffer: SharedArrayBuffer;
  readonly #cell: Int32Array;

  /** Wraps a buffer received from another thread, or creates a free gate. */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    this.#cell = new Int32Array(this.buffer, 0, 1);
  }

  /** Takes the gate if it is free; never blocks. */
  tryAcquire(holder: Holder): boolean {
    return Atomics.compareExchange(this.#cell, 0, GATE_FREE, holder) === GATE_FREE;
  }

  /**
   * Worker threads only (invariant 2): waits up to `timeoutMs` for the gate. Returns false on
   * timeout; the caller then goes ahead without it (SQLite's own locking still holds).
   */
  acquire(holder: Holder, timeoutMs: number): boolean {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.compareExchange(this.#cell, 0, GATE_FREE, holder);
      if (seen === GATE_FREE) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.#cell, 0, seen, left);
    }
  }

  /** Releases the gate if `holder` holds it, waking a waiter. */
  release(holder: Holder): void {
    if (Atomics.compareExchange(this.#cell, 0, holder, GATE_FREE) === holder) {
      Atomics.notify(this.#cell, 0);
    }
  }

  /** Who holds the gate now (tests, debug). */
  holder(): number {
    return Atomics.load(this.#cell, 0);
  }
}
