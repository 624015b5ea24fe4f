import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Metrics of the sync engine (pulls, serving, fetch claims). */
export function syncMetrics(registry: Registry, claimsHeld: () => number) {
  return {
    rounds: new Counter({
      name: 'seedling_sync_reconcile_rounds_total',
      help: 'Reconcile rounds run as initiator',
      registers: [registry],
    }),
    pulls: new Counter({
      name: 'seedling_sync_pulls_total',
      help: 'Scope pulls from one peer, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    pullSeconds: new Histogram({
      name: 'seedling_sync_pull_seconds',
      help: 'Duration of one scope pull from one peer',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
      registers: [registry],
    }),
    blobs: new Counter({
      name: 'seedling_sync_blobs_total',
      help: 'Blobs by stage: wanted, already_stored, claimed_elsewhere, fetched, written, rejected',
      labelNames: ['stage'],
      registers: [registry],
    }),
    fetchedBytes: new Counter({
      name: 'seedling_sync_fetched_bytes_total',
      help: 'Blob bytes received from peers',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'seedling_sync_rejected_total',
      help: 'Blobs from peers rejected, by reason code',
      labelNames: ['code'],
      registers: [registry],
    }),
    served: new Counter({
      name: 'seedling_sync_served_total',
      help: 'Inbound requests served, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    claims: new Gauge({
      name: 'seedling_sync_fetch_claims',
      help: 'CIDs claimed node-wide by running fetches',
      registers: [registry],
      collect() {
        this.set(claimsHeld());
      },
    }),
  };
}
export type SyncMetrics = ReturnType<typeof syncMetrics>;
