import { epochMs } from './epoch-ms.ts';

/**
 * The checkpointer's request that the writer hold `sync` jobs for a moment (write-queue rule 8):
 * a deadline in a `SharedArrayBuffer`, set by the checkpointer thread and read by the main thread
 * when it builds a batch. While it holds, batches take interactive and background jobs only.
 *
 * Why: when sync outruns the checkpointer, the WAL grows by gigabytes (measured: 3.2 GB in 12 s)
 * and SQLite can restart it only once every frame is copied, which a writer appending 300 MB/s
 * never allows. Holding sync while the checkpointer copies the backlog, syncs and restarts the log
 * bounds the WAL; the user's writes keep flowing, and sync resumes as soon as the restart is done.
 *
 * Invariants:
 * 1. The hold is a deadline (epoch ms), so it ends by itself: a checkpointer that dies or stalls
 *    mid-hold can stop sync for at most the `maxMs` it asked for.
 * 2. One Float64 cell, written with plain aligned stores (no Atomics for Float64): a torn read
 *    could only start or end one hold a batch early or late.
 */
export class SyncHold {
  readonly buffer: SharedArrayBuffer;
  readonly #cell: Float64Array;

  /** Wraps a buffer received from another thread, or creates a released hold. */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT);
    this.#cell = new Float64Array(this.buffer, 0, 1);
  }

  /** Holds sync from now for at most `maxMs`. */
  begin(maxMs: number): void {
    this.#cell[0] = epochMs() + maxMs;
  }

  /** Ends the hold now. */
  end(): void {
    this.#cell[0] = 0;
  }

  /** Whether sync is held right now. */
  active(): boolean {
    return epochMs() < (this.#cell[0] ?? 0);
  }
}
