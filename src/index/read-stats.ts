import type { DatabaseSync } from 'node:sqlite';
import { stmt } from './statements.ts';

/**
 * `index.stats` {} → IndexStats: cheap counters for metrics and /debug. `pendingBlobs` is the
 * out-of-order backlog (blobs stored but waiting for their deps or heads); it should drain to
 * zero after a sync completes, and a steady rise means peers send changes whose parents never come.
 */
export type IndexStats = {
  pendingBlobs: number;
  /** Distinct CIDs pending blobs wait for. */
  missingCids: number;
  documents: number;
  /** Highest event id (the feed's length without a scan). */
  lastEventId: number;
};

export function indexStats(db: DatabaseSync): IndexStats {
  const n = (sql: string) => (stmt(db, sql).get() as { n: number | null }).n ?? 0;
  return {
    pendingBlobs: n('SELECT count(*) AS n FROM index_pending'),
    missingCids: n('SELECT count(DISTINCT waiting_for) AS n FROM index_waits'),
    documents: n('SELECT count(*) AS n FROM documents'),
    lastEventId: n('SELECT max(id) AS n FROM events'),
  };
}
