import { readFileSync, statSync } from 'node:fs';
import type { SeedlingNodeHandle } from '../../src/node.ts';
import { epochMs } from '../../src/store/epoch-ms.ts';
import { metricSum } from '../storm/node-probes.ts';

/** One sample of the soak: the node's state at the end of a window, and its worst in it. */
export type Sample = {
  /** Seconds since the sampler started. */
  seconds: number;
  /** When the window ended (epoch ms, comparable with the app's call times). */
  epoch: number;
  blobs: number;
  /**
   * The V8 heap's live data: measured right after a full collection when Node runs with
   * `--expose-gc` (as `npm run soak` does), else the lowest heap use seen in the window (checked
   * every second), a floor that follows the live data more loosely.
   */
  heapMiB: number;
  rssMiB: number;
  /** The anonymous part of the RSS (heaps, malloc arenas, SQLite caches); null off Linux. */
  rssAnonMiB: number | null;
  /** V8 heap in use of the worker threads (writer, readers, checkpointer), summed: live data and garbage. */
  workerHeapsMiB: number;
  /** What those heaps hold from the OS, summed. */
  workerHeapsTotalMiB: number;
  /** Per thread (main included): [used, held] MiB. */
  threadHeapsMiB: Record<string, [number, number]>;
  /** Buffers outside the V8 heap (blob bytes in flight). */
  externalMiB: number;
  walMaxMiB: number;
  dbMiB: number;
  lagP99Ms: number;
  lagMaxMs: number;
  havesEntries: number;
  documentCacheEntries: number;
  connections: number;
  discoveryRunning: number;
  fetchClaims: number;
};

const MIB = 1024 * 1024;
/** `gc()` when Node runs with `--expose-gc`. */
const globalGc = (globalThis as { gc?: () => void }).gc;
/** How {@link Sample.heapMiB} is measured in this process. */
export const HEAP_MEASURE = globalGc
  ? 'after a full GC'
  : 'floor (run with --expose-gc for live size)';

/** Samples an app node in this process without touching its code (as the storm's NodeProbes do). */
export class SoakSampler {
  readonly samples: Sample[] = [];
  readonly #node: SeedlingNodeHandle;
  #start = 0;
  #heapFloor = Number.POSITIVE_INFINITY;
  #walMax = 0;
  #timers: NodeJS.Timeout[] = [];

  constructor(node: SeedlingNodeHandle) {
    this.#node = node;
  }

  start(): void {
    this.#start = performance.now();
    this.#node.loopLag.reset();
    this.#timers.push(
      setInterval(() => {
        this.#heapFloor = Math.min(this.#heapFloor, process.memoryUsage().heapUsed);
      }, 1_000),
      setInterval(() => {
        this.#walMax = Math.max(this.#walMax, fileSize(`${this.#node.store.path}-wal`));
      }, 200),
    );
  }

  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }

  /** Closes the current window: records it and starts the next one. */
  async sample(): Promise<Sample> {
    const { registry, store, loopLag } = this.#node;
    // Lag first: the collection below blocks the loop, and is the bench's, not the node's.
    const lagP99Ms = Math.round(loopLag.p99Ms() * 10) / 10;
    const lagMaxMs = Math.round(loopLag.maxMs() * 10) / 10;
    globalGc?.();
    const memory = process.memoryUsage();
    const gauge = (name: string) => metricSum(registry, name);
    const sample: Sample = {
      seconds: (performance.now() - this.#start) / 1000,
      epoch: epochMs(),
      blobs: await store.read<number>({ op: 'bench.soak', handler: 'store.countBlobs', args: {} }),
      heapMiB: (globalGc ? memory.heapUsed : Math.min(this.#heapFloor, memory.heapUsed)) / MIB,
      rssMiB: memory.rss / MIB,
      rssAnonMiB: rssAnonMiB(),
      ...(await threadHeaps(registry)),
      externalMiB: memory.external / MIB,
      walMaxMiB: this.#walMax / MIB,
      dbMiB: fileSize(store.path) / MIB,
      lagP99Ms,
      lagMaxMs,
      havesEntries: await gauge('seedling_haves_cache_entries'),
      documentCacheEntries: await gauge('seedling_document_cache_entries'),
      connections: await gauge('seedling_net_connections'),
      discoveryRunning: await gauge('seedling_discovery_running'),
      fetchClaims: await gauge('seedling_sync_fetch_claims'),
    };
    this.samples.push(sample);
    this.#heapFloor = Number.POSITIVE_INFINITY;
    this.#walMax = 0;
    loopLag.reset();
    return sample;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // no WAL at this instant (just truncated)
  }
}

function rssAnonMiB(): number | null {
  try {
    const kib = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? null : Number(kib) / 1024;
  } catch {
    return null;
  }
}

/** The node's own per-thread heap metric (src/obs/thread-heap.ts): per thread, and the workers summed. */
async function threadHeaps(registry: SeedlingNodeHandle['registry']) {
  const threadHeapsMiB: Record<string, [number, number]> = {};
  const values =
    (await registry.getSingleMetric('seedling_thread_heap_bytes')?.get())?.values ?? [];
  for (const v of values) {
    const entry = (threadHeapsMiB[String(v.labels.thread)] ??= [0, 0]);
    if (v.labels.kind === 'used') entry[0] = Math.round((v.value / MIB) * 10) / 10;
    if (v.labels.kind === 'total') entry[1] = Math.round((v.value / MIB) * 10) / 10;
  }
  const workers = Object.entries(threadHeapsMiB).filter(([thread]) => thread !== 'main');
  return {
    workerHeapsMiB: workers.reduce((sum, [, [used]]) => sum + used, 0),
    workerHeapsTotalMiB: workers.reduce((sum, [, [, total]]) => sum + total, 0),
    threadHeapsMiB,
  };
}
