import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';
import { EVENT_LOOP_LAG_RESOLUTION_MS } from '../constants.ts';
import { InvalidInputError } from '../errors.ts';

export type EventLoopLagInit = {
  /** Sampling timer period of the delay monitor (ms); lag is measured against it. */
  resolutionMs?: number;
};

/**
 * Event-loop lag of the calling thread (DESIGN §8: p99 < 20 ms under a storm), from Node's
 * `monitorEventLoopDelay` histogram, which samples in C++ and costs nothing on the JS side.
 *
 * Invariants:
 * 1. Values are in ms; before `start()` or after `reset()` with no sample, they read 0.
 * 2. The Prometheus gauges (`seedling_event_loop_lag_{p50,p99,max}_seconds`) are computed at
 *    scrape time from the same histogram, which keeps accumulating until `reset()`; a scrape does
 *    not reset it (a bench and /metrics can both read it).
 */
export class EventLoopLag {
  readonly resolutionMs: number;
  readonly #histogram: IntervalHistogram;
  #running = false;

  constructor(deps: { registry: Registry }, init: EventLoopLagInit = {}) {
    const resolutionMs = init.resolutionMs ?? EVENT_LOOP_LAG_RESOLUTION_MS;
    if (!Number.isInteger(resolutionMs) || resolutionMs < 1) {
      throw new InvalidInputError('must be a positive integer (ms)', { field: 'resolutionMs' });
    }
    this.resolutionMs = resolutionMs;
    this.#histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#registerMetrics(deps.registry);
  }

  start(): void {
    if (this.#running) return;
    this.#histogram.enable();
    this.#running = true;
  }

  stop(): void {
    if (!this.#running) return;
    this.#histogram.disable();
    this.#running = false;
  }

  /** 99th percentile of the delay since start or the last reset (ms). */
  p99Ms(): number {
    return this.percentileMs(99);
  }

  /** 50th percentile of the delay since start or the last reset (ms). */
  p50Ms(): number {
    return this.percentileMs(50);
  }

  /** Largest delay since start or the last reset (ms). */
  maxMs(): number {
    return this.#samples() ? this.#histogram.max / 1e6 : 0;
  }

  percentileMs(p: number): number {
    return this.#samples() ? this.#histogram.percentile(p) / 1e6 : 0;
  }

  /** Forgets the samples so far (a bench resets between phases). */
  reset(): void {
    this.#histogram.reset();
  }

  #samples(): boolean {
    return this.#histogram.count > 0;
  }

  #registerMetrics(registry: Registry): void {
    const registers = [registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read() / 1000);
        },
      });
    gauge('seedling_event_loop_lag_p50_seconds', 'Event-loop delay, median since start', () =>
      this.p50Ms(),
    );
    gauge(
      'seedling_event_loop_lag_p99_seconds',
      'Event-loop delay, 99th percentile since start',
      () => this.p99Ms(),
    );
    gauge('seedling_event_loop_lag_max_seconds', 'Event-loop delay, largest since start', () =>
      this.maxMs(),
    );
  }
}
