import type { Registry } from 'prom-client';
import { TRACKER_CAPACITY, TRACKER_SLOWEST_LIMIT } from '../constants.ts';
import { InvalidInputError } from '../errors.ts';
import {
  LightCounter,
  type LightCounterChild,
  LightHistogram,
  type LightHistogramChild,
} from './metrics.ts';

export type OperationKind = 'write' | 'read';

/** One finished database job, as the writer or the reader pool saw it. */
export type OperationRecord = {
  /** Operation name for attribution (`api.PublishBlobs`, `sync.fetch`). */
  op: string;
  kind: OperationKind;
  /** Time spent queued before a thread took the job (ms). */
  waitMs: number;
  /** Time the job ran on its thread (ms). */
  runMs: number;
  ok: boolean;
};

export type TrackedOperation = OperationRecord & {
  /** When the record was taken (ms since epoch). */
  at: number;
};

export type OperationTrackerInit = {
  /** Records kept in the ring buffer; `slowest()` picks from these. */
  capacity?: number;
  /** `false` turns `record()` into a no-op (the overhead bench compares both). */
  enabled?: boolean;
};

// Buckets in seconds: from a 0.1 ms point lookup to a 10 s stall.
const BUCKETS = [
  0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

type KindMetrics = {
  wait: LightHistogramChild;
  run: LightHistogramChild;
  ok: LightCounterChild;
  failed: LightCounterChild;
};

/**
 * Per-operation attribution that is cheap enough to leave on (DESIGN §6: ≤ 2% of throughput).
 *
 * Invariants:
 * 1. `record()` allocates nothing: it writes into preallocated columns of a ring buffer and
 *    observes pre-bound light histogram children (src/obs/metrics.ts: label lookup happens once,
 *    in the constructor; prom-client's own classes hash labels on every call).
 * 2. The ring keeps the last `capacity` operations; `slowest()` sorts a copy of them on demand,
 *    so the cost of ranking is paid by whoever looks (the /debug page), not by each job.
 * 3. With `enabled: false` nothing is recorded and no metric moves.
 */
export class OperationTracker {
  /** `false` makes `record()` a no-op; may be flipped at run time (the overhead bench alternates it). */
  enabled: boolean;
  readonly capacity: number;
  readonly #ops: string[];
  readonly #kinds: Uint8Array;
  readonly #wait: Float64Array;
  readonly #run: Float64Array;
  readonly #ok: Uint8Array;
  readonly #at: Float64Array;
  #next = 0;
  #size = 0;
  readonly #byKind: [KindMetrics, KindMetrics];

  constructor(deps: { registry: Registry }, init: OperationTrackerInit = {}) {
    const capacity = init.capacity ?? TRACKER_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new InvalidInputError('must be a positive integer', { field: 'capacity' });
    }
    this.capacity = capacity;
    this.enabled = init.enabled ?? true;
    this.#ops = new Array<string>(capacity).fill('');
    this.#kinds = new Uint8Array(capacity);
    this.#wait = new Float64Array(capacity);
    this.#run = new Float64Array(capacity);
    this.#ok = new Uint8Array(capacity);
    this.#at = new Float64Array(capacity);
    this.#byKind = createMetrics(deps.registry);
  }

  /** Records one finished job. O(1), no allocation. */
  record(e: OperationRecord): void {
    if (!this.enabled) return;
    const i = this.#next;
    const kind = e.kind === 'write' ? 0 : 1;
    this.#ops[i] = e.op;
    this.#kinds[i] = kind;
    this.#wait[i] = e.waitMs;
    this.#run[i] = e.runMs;
    this.#ok[i] = e.ok ? 1 : 0;
    this.#at[i] = Date.now();
    this.#next = i + 1 === this.capacity ? 0 : i + 1;
    if (this.#size < this.capacity) this.#size++;
    const m = this.#byKind[kind];
    m.wait.observe(e.waitMs / 1000);
    m.run.observe(e.runMs / 1000);
    if (e.ok) m.ok.inc();
    else m.failed.inc();
  }

  /** The slowest of the recent operations (by wait + run), slowest first. */
  slowest(limit = TRACKER_SLOWEST_LIMIT): TrackedOperation[] {
    const rows: TrackedOperation[] = [];
    for (let i = 0; i < this.#size; i++) rows.push(this.#row(i));
    rows.sort((a, b) => b.waitMs + b.runMs - (a.waitMs + a.runMs));
    return rows.slice(0, Math.max(0, limit));
  }

  /** Recent operations, newest first (for the /debug page's live list). */
  recent(limit = TRACKER_SLOWEST_LIMIT): TrackedOperation[] {
    const out: TrackedOperation[] = [];
    const n = Math.min(Math.max(0, limit), this.#size);
    for (let k = 1; k <= n; k++) {
      out.push(this.#row((this.#next - k + this.capacity) % this.capacity));
    }
    return out;
  }

  /** Forgets the recorded operations (metrics keep counting). */
  clear(): void {
    this.#next = 0;
    this.#size = 0;
  }

  #row(i: number): TrackedOperation {
    return {
      op: this.#ops[i] ?? '',
      kind: this.#kinds[i] === 0 ? 'write' : 'read',
      waitMs: this.#wait[i] ?? 0,
      runMs: this.#run[i] ?? 0,
      ok: this.#ok[i] === 1,
      at: this.#at[i] ?? 0,
    };
  }
}

/** Histograms and counters per kind, bound once so `record()` does no label work (invariant 1). */
function createMetrics(registry: Registry): [KindMetrics, KindMetrics] {
  const wait = new LightHistogram(registry, {
    name: 'seedling_operation_wait_seconds',
    help: 'Time database jobs waited in a queue before a thread ran them, by kind (write/read)',
    labelNames: ['kind'],
    buckets: BUCKETS,
  });
  const run = new LightHistogram(registry, {
    name: 'seedling_operation_run_seconds',
    help: 'Time database jobs ran on their thread, by kind (write/read)',
    labelNames: ['kind'],
    buckets: BUCKETS,
  });
  const total = new LightCounter(registry, {
    name: 'seedling_operations_total',
    help: 'Database jobs finished, by kind and result (ok/failed)',
    labelNames: ['kind', 'result'],
  });
  const bind = (kind: OperationKind): KindMetrics => ({
    wait: wait.child(kind),
    run: run.child(kind),
    ok: total.child(kind, 'ok'),
    failed: total.child(kind, 'failed'),
  });
  return [bind('write'), bind('read')];
}
