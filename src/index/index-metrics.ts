import { Gauge, type Registry } from 'prom-client';
import type { IndexStats } from './read-stats.ts';

/**
 * Index gauges, read from `index.stats` when Prometheus scrapes (one small pool read per scrape,
 * nothing per blob): the out-of-order backlog should drain to zero after a sync, and a steady rise
 * means peers send changes whose parents never come.
 */
export function registerIndexMetrics(
  registry: Registry,
  readStats: () => Promise<IndexStats>,
): void {
  let pending: Promise<IndexStats> | undefined;
  // One read serves every gauge of a scrape.
  const stats = () => {
    pending ??= readStats().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  const gauge = (name: string, help: string, pick: (s: IndexStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(pick(await stats()));
      },
    });
  gauge(
    'seedling_index_pending_blobs',
    'Blobs stored but waiting for their deps or heads',
    (s) => s.pendingBlobs,
  );
  gauge(
    'seedling_index_missing_cids',
    'Distinct CIDs that pending blobs wait for',
    (s) => s.missingCids,
  );
  gauge('seedling_index_documents', 'Documents in the index', (s) => s.documents);
}
