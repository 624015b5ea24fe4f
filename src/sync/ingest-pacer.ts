import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, type Registry } from 'prom-client';
import {
  SYNC_PACE_APP_QUIET_MS,
  SYNC_PACE_CHECK_MS,
  SYNC_PACE_LAG_MS,
  SYNC_PACE_MAX_WAIT_MS,
} from '../constants.ts';

/**
 * Paces sync ingestion by the main thread's own health: before each fetch, a pull asks the pacer,
 * which holds it back while the event loop has recently been late by more than `lagMs` (the app's
 * HTTP answers and the writer's acknowledgements run on this loop), or while the app made a
 * request within the last `appQuietMs` (a burst of card loads is answered before another fetch
 * reply lands on the loop; measured on the storm: loop-lag p99 19 ms against 20–27 ms without).
 * Sync slows down, it never stops: a pull waits at most `maxWaitMs` per fetch.
 *
 * Lateness is measured by a timer that expects to fire every `checkMs`: its drift is the loop's
 * delay, with no histogram to reset and nothing to do on the hot path but compare two numbers.
 */
export class IngestPacer {
  readonly #lagMs: number;
  readonly #maxWaitMs: number;
  readonly #checkMs: number;
  readonly #paced: Counter;
  #timer: NodeJS.Timeout | undefined;
  #expected = 0;
  /** performance.now() until which the loop counts as late. */
  #lateUntil = 0;

  readonly #appActiveWithin: ((ms: number) => boolean) | undefined;
  readonly #appQuietMs: number;

  constructor(
    deps: { registry: Registry; appActiveWithin?: (ms: number) => boolean },
    init: { lagMs?: number; maxWaitMs?: number; checkMs?: number; appQuietMs?: number } = {},
  ) {
    this.#appActiveWithin = deps.appActiveWithin;
    this.#appQuietMs = init.appQuietMs ?? SYNC_PACE_APP_QUIET_MS;
    this.#lagMs = init.lagMs ?? SYNC_PACE_LAG_MS;
    this.#maxWaitMs = init.maxWaitMs ?? SYNC_PACE_MAX_WAIT_MS;
    this.#checkMs = init.checkMs ?? SYNC_PACE_CHECK_MS;
    this.#paced = new Counter({
      name: 'seedling_sync_paced_seconds_total',
      help: 'Time sync fetches were held back because the event loop was late',
      registers: [deps.registry],
    });
  }

  start(): void {
    this.#expected = performance.now() + this.#checkMs;
    this.#timer = setInterval(() => this.#tick(), this.#checkMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Resolves when the loop is healthy again, or after `maxWaitMs`. */
  async admit(signal?: AbortSignal): Promise<void> {
    const start = performance.now();
    while (
      (performance.now() < this.#lateUntil || this.#appBusy()) &&
      performance.now() - start < this.#maxWaitMs
    ) {
      await sleep(this.#checkMs, undefined, { signal });
    }
    const waited = performance.now() - start;
    if (waited > 1) this.#paced.inc(waited / 1000);
  }

  #appBusy(): boolean {
    return this.#appQuietMs > 0 && (this.#appActiveWithin?.(this.#appQuietMs) ?? false);
  }

  #tick(): void {
    const now = performance.now();
    const drift = now - this.#expected;
    this.#expected = now + this.#checkMs;
    // A late tick marks the loop late for a few periods, so a burst of fetches cannot restart at once.
    if (drift > this.#lagMs) this.#lateUntil = now + 4 * this.#checkMs;
  }
}
