import { LRUCache } from 'lru-cache';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { HAVES_CACHE_MAX_ENTRIES, HAVES_CACHE_MAX_ITEMS } from '../constants.ts';
import type { SealedSet } from './rbsr/sealed-set.ts';

/**
 * The shared haves cache (DESIGN §5): the sealed set of a scope is built once and then serves every
 * peer of a discovery, later discoveries while the scope is unchanged, and inbound reconciles.
 *
 * Invariants:
 * 1. At most one build (or revalidation) of a scope runs at a time; other callers join it.
 * 2. An entry is served as-is while the database generation has not moved since it was checked.
 * 3. When the generation moved, `touchedSince` asks whether any blob stored after the entry's
 *    watermark belongs to the scope; if none did, the entry is re-stamped, not rebuilt. So the
 *    number of builds per scope is one per generation that really touched the scope.
 */

export type HavesBuild = {
  set: SealedSet;
  /** Highest blob row id the build saw; later rows are what `touchedSince` checks. */
  watermark: number;
};

export type HavesCacheDeps = {
  registry: Registry;
  /** Builds the sealed set of a scope (in the reader pool). */
  build(scope: string): Promise<HavesBuild>;
  /** True when a blob stored after `watermark` belongs to the scope. */
  touchedSince(scope: string, watermark: number): Promise<boolean>;
  /** The database generation now (a SharedArrayBuffer read: free). */
  generation(): number;
};

export type HavesCacheInit = {
  maxEntries?: number;
  maxItems?: number;
  /** false: build a fresh set for every request (the naive design, for comparison only). */
  reuse?: boolean;
};

type Entry = HavesBuild & { generation: number };

export class HavesCache {
  readonly #deps: HavesCacheDeps;
  readonly #entries: LRUCache<string, Entry>;
  readonly #running = new Map<string, Promise<SealedSet>>();
  readonly #metrics: ReturnType<typeof havesMetrics>;
  readonly #reuse: boolean;
  #builds = 0;

  constructor(deps: HavesCacheDeps, init: HavesCacheInit = {}) {
    this.#deps = deps;
    this.#entries = new LRUCache<string, Entry>({
      max: init.maxEntries ?? HAVES_CACHE_MAX_ENTRIES,
      maxSize: init.maxItems ?? HAVES_CACHE_MAX_ITEMS,
      sizeCalculation: (entry) => Math.max(1, entry.set.size),
    });
    this.#metrics = havesMetrics(deps.registry, () => this.#entries.size);
    this.#reuse = init.reuse ?? true;
  }

  /** The sealed set of `scope` at the current generation. */
  async get(scope: string): Promise<SealedSet> {
    if (!this.#reuse) return this.#refresh(scope, undefined);
    const entry = this.#entries.get(scope);
    if (entry !== undefined && entry.generation === this.#deps.generation()) {
      this.#metrics.requests.inc({ outcome: 'hit' });
      return entry.set;
    }
    const running = this.#running.get(scope);
    if (running !== undefined) {
      this.#metrics.requests.inc({ outcome: 'joined' });
      return running;
    }
    const work = this.#refresh(scope, entry).finally(() => this.#running.delete(scope));
    this.#running.set(scope, work);
    return work;
  }

  async #refresh(scope: string, entry: Entry | undefined): Promise<SealedSet> {
    const generation = this.#deps.generation();
    if (entry !== undefined && !(await this.#deps.touchedSince(scope, entry.watermark))) {
      this.#metrics.requests.inc({ outcome: 'revalidated' });
      entry.generation = generation;
      return entry.set;
    }
    this.#metrics.requests.inc({ outcome: 'built' });
    const stop = this.#metrics.buildSeconds.startTimer();
    const built = await this.#deps.build(scope);
    stop();
    this.#builds++;
    this.#metrics.builds.inc();
    this.#metrics.setItems.observe(built.set.size);
    this.#entries.set(scope, { ...built, generation });
    return built.set;
  }

  /** Builds so far (also a metric); benches read it to prove "one build per scope per generation". */
  get builds(): number {
    return this.#builds;
  }
}

function havesMetrics(registry: Registry, entries: () => number) {
  return {
    requests: new Counter({
      name: 'seedling_haves_requests_total',
      help: 'Haves-set lookups by outcome: hit, joined (a build was running), revalidated, built',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    builds: new Counter({
      name: 'seedling_haves_builds_total',
      help: 'Haves sets built (reader-pool queries + sealing)',
      registers: [registry],
    }),
    buildSeconds: new Histogram({
      name: 'seedling_haves_build_seconds',
      help: 'Time to build and seal one haves set',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    setItems: new Histogram({
      name: 'seedling_haves_set_items',
      help: 'Items in each haves set built',
      buckets: [0, 10, 100, 1_000, 10_000, 100_000, 1_000_000],
      registers: [registry],
    }),
    entries: new Gauge({
      name: 'seedling_haves_cache_entries',
      help: 'Haves sets held in the cache',
      registers: [registry],
      collect() {
        this.set(entries());
      },
    }),
  };
}
