/**
 * Main-thread cache of replayed documents, keyed by (document, version).
 *
 * A version names an immutable set of Changes, so a replayed state never goes stale: entries
 * leave only by LRU eviction (bounded by entries and by total blocks held). Replay runs on a
 * reader thread; this cache sits in front of it on the main thread.
 *
 * Invariants:
 * 1. Single flight: concurrent `get`s of one key share one computation (the later callers
 *    "join"); a key is computed at most once while its first computation runs.
 * 2. A failed computation is not cached: every caller waiting on it gets the error, the next
 *    `get` tries again.
 * 3. Cached values are shared, not copied: callers must treat them as read-only.
 */
import { LRUCache } from 'lru-cache';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { DOCUMENT_CACHE_MAX_BLOCKS, DOCUMENT_CACHE_MAX_ENTRIES } from '../constants.ts';
import type { BlockNode, DocumentState } from './replay/document-state.ts';

export type DocumentCacheKey = {
  /** The document, e.g. its hm:// ID without version (`hm://z6Mk…/path`). */
  document: string;
  version: string;
};

export type DocumentCacheInit<T> = {
  maxEntries?: number;
  /** Bound on the summed sizes of the entries (sizeOf). */
  maxSize?: number;
  /** Size of one entry; default 1 + the number of blocks of a DocumentState. */
  sizeOf?: (value: T) => number;
};

type Metrics = {
  hits: Counter;
  misses: Counter;
  joins: Counter;
  evictions: Counter;
  failures: Counter;
  computeSeconds: Histogram;
  entries: Gauge;
};

export class DocumentCache<T extends object = DocumentState> {
  readonly #lru: LRUCache<string, T>;
  readonly #inflight = new Map<string, Promise<T>>();
  readonly #metrics: Metrics;

  constructor(deps: { registry: Registry }, init: DocumentCacheInit<T> = {}) {
    const sizeOf = init.sizeOf ?? ((value: T) => documentSize(value as unknown as DocumentState));
    this.#metrics = createMetrics(deps.registry, () => this.#lru.size);
    this.#lru = new LRUCache<string, T>({
      max: init.maxEntries ?? DOCUMENT_CACHE_MAX_ENTRIES,
      maxSize: init.maxSize ?? DOCUMENT_CACHE_MAX_BLOCKS,
      sizeCalculation: (value) => Math.max(1, Math.ceil(sizeOf(value))),
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.#metrics.evictions.inc();
      },
    });
  }

  /** The cached state of `key`, or the result of `compute()` (shared by concurrent callers). */
  get(key: DocumentCacheKey, compute: () => Promise<T>): Promise<T> {
    const id = cacheId(key);
    const hit = this.#lru.get(id);
    if (hit !== undefined) {
      this.#metrics.hits.inc();
      return Promise.resolve(hit);
    }
    const running = this.#inflight.get(id);
    if (running) {
      this.#metrics.joins.inc();
      return running;
    }
    this.#metrics.misses.inc();
    const flight = this.#run(id, compute);
    this.#inflight.set(id, flight);
    return flight;
  }

  /** The cached state without computing anything. */
  peek(key: DocumentCacheKey): T | undefined {
    return this.#lru.peek(cacheId(key));
  }

  delete(key: DocumentCacheKey): void {
    this.#lru.delete(cacheId(key));
  }

  clear(): void {
    this.#lru.clear();
  }

  get size(): number {
    return this.#lru.size;
  }

  async #run(id: string, compute: () => Promise<T>): Promise<T> {
    const stop = this.#metrics.computeSeconds.startTimer();
    try {
      const value = await compute();
      if (value !== null && value !== undefined) this.#lru.set(id, value);
      return value;
    } catch (err) {
      this.#metrics.failures.inc();
      throw err;
    } finally {
      stop();
      this.#inflight.delete(id);
    }
  }
}

function cacheId(key: DocumentCacheKey): string {
  return `${key.document}\n${key.version}`;
}

/** 1 + the number of blocks in the state's content tree. */
export function documentSize(state: DocumentState): number {
  let size = 1;
  const stack: BlockNode[] = Array.isArray(state?.content) ? [...state.content] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    size++;
    if (node.children) stack.push(...node.children);
  }
  return size;
}

function createMetrics(registry: Registry, size: () => number): Metrics {
  const registers = [registry];
  const counter = (name: string, help: string) => new Counter({ name, help, registers });
  return {
    hits: counter(
      'seedling_document_cache_hits_total',
      'Document cache lookups answered from the cache.',
    ),
    misses: counter(
      'seedling_document_cache_misses_total',
      'Document cache lookups that started a replay.',
    ),
    joins: counter(
      'seedling_document_cache_joins_total',
      'Document cache lookups that joined a replay already running for the same key.',
    ),
    evictions: counter(
      'seedling_document_cache_evictions_total',
      'Documents evicted by the LRU bound.',
    ),
    failures: counter(
      'seedling_document_cache_failures_total',
      'Replays that failed (not cached).',
    ),
    computeSeconds: new Histogram({
      name: 'seedling_document_cache_compute_seconds',
      help: 'Time to compute (load and replay) a document on a cache miss.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    entries: new Gauge({
      name: 'seedling_document_cache_entries',
      help: 'Documents held by the document cache.',
      registers,
      collect() {
        this.set(size());
      },
    }),
  };
}
