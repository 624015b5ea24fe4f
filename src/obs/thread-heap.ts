import { getHeapStatistics, type HeapInfo } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { Gauge, type Registry } from 'prom-client';

/** A worker thread of the node, named as the metric labels it (`writer`, `reader-app-0`, …). */
export type NamedThread = { name: string; worker: Worker };

/**
 * `seedling_thread_heap_bytes{thread, kind}`: the V8 heap of the main thread and of every worker
 * thread, read when the metrics are scraped — `used` (live data and garbage not yet collected),
 * `total` (what the heap holds from the OS) and `external` (buffers V8 knows of outside the heap).
 * The process RSS cannot tell a growing heap in one thread from SQLite's page caches or the
 * allocator's arenas; this can.
 */
export function registerThreadHeapMetric(registry: Registry, threads: () => NamedThread[]): void {
  new Gauge({
    name: 'seedling_thread_heap_bytes',
    help: 'V8 heap per thread (main, writer, readers, checkpointer) by kind: used, total (held from the OS), external; read at scrape time',
    labelNames: ['thread', 'kind'],
    registers: [registry],
    async collect() {
      this.reset();
      const record = (thread: string, h: HeapInfo) => {
        this.set({ thread, kind: 'used' }, h.used_heap_size);
        this.set({ thread, kind: 'total' }, h.total_heap_size);
        this.set({ thread, kind: 'external' }, h.external_memory);
      };
      record('main', getHeapStatistics());
      const list = threads();
      // A thread that is exiting cannot answer: it is left out of this scrape.
      const stats = await Promise.allSettled(list.map((t) => t.worker.getHeapStatistics()));
      list.forEach((t, i) => {
        const s = stats[i]!;
        if (s.status === 'fulfilled') record(t.name, s.value);
      });
    },
  });
}
