/**
 * One flag in shared memory: an interactive write is waiting while the writer runs a batch.
 *
 * The main thread raises it when the user's write arrives behind a batch in flight; the writer
 * thread reads it between jobs and ends the batch there (the jobs not started come back deferred,
 * never lost). So a publish waits for the job running now and one COMMIT, not for the rest of a
 * sync batch's time budget. (A publish that takes the writer's express lane needs no flag: the
 * writer finds it on its own port between two jobs; writer.ts, invariant 6.)
 */
export class InteractiveWaiting {
  readonly buffer: SharedArrayBuffer;
  readonly #cell: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.buffer = buffer;
    this.#cell = new Int32Array(buffer);
  }

  raise(): void {
    Atomics.store(this.#cell, 0, 1);
  }

  clear(): void {
    Atomics.store(this.#cell, 0, 0);
  }

  raised(): boolean {
    return Atomics.load(this.#cell, 0) === 1;
  }
}
