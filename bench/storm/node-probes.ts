import { statSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { SeedlingNodeHandle } from '../../src/node.ts';

/**
 * What the storm bench watches inside the app node, without touching the node's code:
 *
 * - haves builds per (scope, generation): the store facade's `read` and the haves cache's `get`
 *   are wrapped on these instances (plain own properties shadowing the originals) to note the
 *   generation when a `sync.buildHaves` read is issued and when a scope's set is asked for;
 * - dials per discovery: the scheduler's progress events, per task that started running;
 * - the WAL file's size, sampled on a timer;
 * - counters read from the node's registry.
 */
export class NodeProbes {
  readonly buildsByPair = new Map<string, number>();
  readonly askedPairs = new Set<string>();
  readonly dialsPerTask: number[] = [];
  maxWalBytes = 0;
  /** Wall time of each store call (queue wait + run + thread hops), per op name. */
  readonly storeMs = new Map<string, number[]>();
  #recording = true;
  #walTimer: NodeJS.Timeout | undefined;

  readonly node: SeedlingNodeHandle;

  constructor(node: SeedlingNodeHandle) {
    this.node = node;
  }

  start(): void {
    const { store, sync } = this.node;
    const read = store.read.bind(store);
    store.read = (req) => {
      if (req.handler === 'sync.buildHaves') {
        const scope = String((req.args as { scope?: unknown })?.scope);
        const pair = `${scope}@${store.generation.get()}`;
        this.buildsByPair.set(pair, (this.buildsByPair.get(pair) ?? 0) + 1);
      }
      return this.#timed(`read ${req.op}`, read(req));
    };
    const write = store.write.bind(store);
    store.write = (job) => this.#timed(`write ${job.op} (${job.class})`, write(job));
    if (sync) {
      const haves = sync.haves;
      const get = haves.get.bind(haves);
      haves.get = (scope: string) => {
        this.askedPairs.add(`${scope}@${store.generation.get()}`);
        return get(scope);
      };
      sync.discovery.onProgress((p) => {
        if (p.finishedAt !== null && p.startedAt !== null) this.dialsPerTask.push(p.peersAsked);
      });
    }
    const wal = `${store.path}-wal`;
    this.#walTimer = setInterval(() => {
      try {
        this.maxWalBytes = Math.max(this.maxWalBytes, statSync(wal).size);
      } catch {
        // no WAL file at this instant (just truncated): size 0
      }
    }, 200);
  }

  stop(): void {
    clearInterval(this.#walTimer);
  }

  /** Stops recording store-call times (called when the storm is over). */
  stopStoreTimes(): void {
    this.#recording = false;
  }

  /** The slowest store ops by p99 (over the calls recorded), as [op, n, p50, p99, max]. */
  slowestStoreOps(limit: number): [string, number, number, number, number][] {
    const rows: [string, number, number, number, number][] = [];
    for (const [op, list] of this.storeMs) {
      const sorted = [...list].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
      rows.push([op, sorted.length, r1(at(0.5)), r1(at(0.99)), r1(sorted.at(-1) ?? 0)]);
    }
    return rows.sort((a, b) => b[3] - a[3]).slice(0, limit);
  }

  #timed<T>(op: string, work: Promise<T>): Promise<T> {
    if (!this.#recording) return work;
    const start = performance.now();
    const done = () => {
      let list = this.storeMs.get(op);
      if (list === undefined) {
        list = [];
        this.storeMs.set(op, list);
      }
      list.push(performance.now() - start);
    };
    work.then(done, done);
    return work;
  }

  /** Builds per (scope, generation): the largest count for one pair, and builds per asked pair. */
  havesBuilds(): { builds: number; maxPerPair: number; perAskedPair: number; askedPairs: number } {
    let builds = 0;
    let maxPerPair = 0;
    for (const n of this.buildsByPair.values()) {
      builds += n;
      maxPerPair = Math.max(maxPerPair, n);
    }
    const asked = this.askedPairs.size;
    return { builds, maxPerPair, perAskedPair: asked ? builds / asked : 0, askedPairs: asked };
  }

  dials(): { tasks: number; mean: number; max: number } {
    const list = this.dialsPerTask;
    const total = list.reduce((a, b) => a + b, 0);
    const max = list.reduce((a, b) => Math.max(a, b), 0);
    return { tasks: list.length, mean: list.length ? total / list.length : 0, max };
  }
}

function r1(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Sum of a counter/gauge in the registry, over the series whose labels match `where`. */
export async function metricSum(
  registry: Registry,
  name: string,
  where: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  let sum = 0;
  for (const v of values) {
    const labels = v.labels as Record<string, unknown>;
    if (Object.entries(where).every(([k, want]) => String(labels[k]) === want)) sum += v.value;
  }
  return sum;
}
