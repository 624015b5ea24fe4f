import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Gauge, type Registry } from 'prom-client';
import { SYNC_RATE_BURST_SECONDS } from '../constants.ts';

/**
 * A cap on what sync downloads, in blob bytes per second, shared by every pull of the node: a
 * user's setting for a slow or metered link, or for a small machine where a storm's verification
 * and writes would take the cores the app needs.
 *
 * A token bucket that may go into debt: how many bytes a fetch brings is known only once its reply
 * arrived, so the reply is charged after the fact and the next fetch waits until the debt is paid.
 * Over any long stretch the rate holds; a burst is at most the bucket (`burstSeconds` of the rate)
 * plus the fetches already in flight.
 *
 * Invariants:
 * 1. `wait()` resolves only when the balance is not negative, at once when it is.
 * 2. The balance never exceeds the bucket: an idle hour does not buy an hour of full speed.
 */
export class IngestRateLimit {
  readonly #bytesPerSec: number;
  readonly #bucketBytes: number;
  readonly #waited: Counter;
  #balance: number;
  #refilledAt = performance.now();

  constructor(deps: { registry: Registry }, init: { bytesPerSec: number; burstSeconds?: number }) {
    if (!Number.isFinite(init.bytesPerSec) || init.bytesPerSec <= 0) {
      throw new RangeError(
        `sync rate cap must be a positive number of bytes/s, got ${init.bytesPerSec}`,
      );
    }
    this.#bytesPerSec = init.bytesPerSec;
    this.#bucketBytes = init.bytesPerSec * (init.burstSeconds ?? SYNC_RATE_BURST_SECONDS);
    this.#balance = this.#bucketBytes;
    this.#waited = new Counter({
      name: 'seedling_sync_rate_limited_seconds_total',
      help: 'Time sync fetches waited for the download rate cap (summed over pulls)',
      registers: [deps.registry],
    });
    new Gauge({
      name: 'seedling_sync_rate_limit_bytes_per_second',
      help: 'The download rate cap of sync (blob bytes per second)',
      registers: [deps.registry],
    }).set(this.#bytesPerSec);
  }

  /** Resolves when a fetch may start: the bytes fetched so far are paid for. */
  async wait(signal?: AbortSignal): Promise<void> {
    const start = performance.now();
    for (this.#refill(); this.#balance < 0; this.#refill()) {
      // Other pulls may charge while this one sleeps: look again when it wakes.
      await sleep((-this.#balance / this.#bytesPerSec) * 1000, undefined, { signal });
    }
    const waited = performance.now() - start;
    if (waited > 1) this.#waited.inc(waited / 1000);
  }

  /** Counts bytes just received against the cap. */
  charge(bytes: number): void {
    this.#refill();
    this.#balance -= bytes;
  }

  #refill(): void {
    const now = performance.now();
    const earned = ((now - this.#refilledAt) / 1000) * this.#bytesPerSec;
    this.#balance = Math.min(this.#bucketBytes, this.#balance + earned);
    this.#refilledAt = now;
  }
}
