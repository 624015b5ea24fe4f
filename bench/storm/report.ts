import type { CallSummary } from './app-client.ts';
import { CALLS, type ProfileResult } from './run-profile.ts';

/**
 * The storm's human table (one column per profile) and the fields of its JSON line. Targets are
 * DESIGN §8's, for the default profile.
 */

type Row = [label: string, target: string, pick: (r: ProfileResult) => string];

const ms = (n: number) => `${n} ms`;

function callRows(window: 'storm' | 'whole' | 'after'): Row[] {
  return CALLS.map(
    (c): Row => [
      `  ${c}`,
      window === 'storm' ? (TARGETS[c] ?? '') : '',
      (r) => {
        const s = window === 'after' ? r.after?.[c] : r[window].calls[c];
        if (!s) return '-';
        return `${s.p50}/${s.p90}/${s.p99}/${s.max} (n=${s.n}${s.failed ? `, ${s.failed} failed` : ''})`;
      },
    ],
  );
}

/** The same calls' p99 on the wire (app-client.ts: without the app's wait for a connection). */
function wireRow(window: 'storm' | 'whole' | 'after'): Row {
  return [
    '  p99 on the wire: metadata/events/query',
    '',
    (r) => {
      const calls = window === 'after' ? r.after : r[window].calls;
      if (!calls) return '-';
      return ['ResourceMetadata', 'ListEvents', 'Query']
        .map((c) => (calls[c] ? `${calls[c].wire.p99}` : '-'))
        .join(' / ');
    },
  ];
}

function lagRows(window: 'storm' | 'whole'): Row[] {
  return [
    [
      '  event-loop lag p99 / max',
      window === 'storm' ? 'p99 < 20' : '',
      (r) => `${ms(r[window].loopLagP99Ms)} / ${ms(r[window].loopLagMaxMs)}`,
    ],
    [
      "  the app's own loop, late p99 / max",
      '',
      (r) => `${ms(r[window].appLoopLateP99Ms)} / ${ms(r[window].appLoopLateMaxMs)}`,
    ],
  ];
}

const TARGETS: Record<string, string> = {
  ListEvents: 'p99 < 25',
  ResourceMetadata: 'p99 < 10',
  PublishBlobs: 'p99 < 50',
};

const ROWS: Row[] = [
  [
    'DURING THE STORM (ms p50/p90/p99/max)',
    '',
    (r) => `first ${r.storm.seconds} s, node process ${r.storm.cpuSeconds} CPU-s`,
  ],
  ...callRows('storm'),
  wireRow('storm'),
  ...lagRows('storm'),
  [
    'WHOLE APP RUN (ms p50/p90/p99/max)',
    '',
    (r) => `${r.whole.seconds} s, node process ${r.whole.cpuSeconds} CPU-s`,
  ],
  ...callRows('whole'),
  wireRow('whole'),
  ...lagRows('whole'),
  ['AFTER CONVERGING (ms p50/p90/p99/max)', '', () => 'the same app, nothing left to sync'],
  ...callRows('after'),
  wireRow('after'),
  ['publishes ok / failed', 'failed 0', (r) => `${r.published.ok} / ${r.published.failed}`],
  [
    '304 answers: events / query / metadata',
    '',
    (r) =>
      ['ListEvents', 'Query', 'ResourceMetadata']
        .map((c) => `${r.statuses[`${c} 304`] ?? 0}/${r.whole.calls[c]!.n}`)
        .join('  '),
  ],
  [
    'other non-2xx answers',
    '0',
    (r) =>
      Object.entries(r.statuses)
        .filter(([k]) => !/ (200|304)$/.test(k))
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ') || 'none',
  ],
  ['SQLITE_BUSY', '0', (r) => `${r.busy}`],
  ['failed / rejected write jobs', '0', (r) => `${r.failedWriteJobs} / ${r.rejectedWrites}`],
  [
    'haves builds (max per scope+gen)',
    '≤ 1',
    (r) =>
      `${r.haves.builds} (max ${r.haves.maxPerPair}, ${r.haves.perAskedPair.toFixed(2)}/asked pair)`,
  ],
  [
    'discoveries run / dials mean / max',
    'max ≤ 3',
    (r) => `${r.dials.tasks} / ${r.dials.mean.toFixed(2)} / ${r.dials.max}`,
  ],
  [
    'discovery asks started/joined/cached',
    '',
    (r) => `${r.discoveryAsks.started}/${r.discoveryAsks.joined}/${r.discoveryAsks.cached}`,
  ],
  ['blobs written by sync', '', (r) => `${r.blobsWritten}`],
  ['blobs/s (to converge)', '', (r) => `${r.blobsPerSec}`],
  [
    'converged in',
    'yes',
    (r) =>
      r.convergeSeconds === null ? `NO (${r.missingBlobs} missing)` : `${r.convergeSeconds} s`,
  ],
  ['max WAL size', '', (r) => `${(r.maxWalBytes / 1024 / 1024).toFixed(1)} MiB`],
  ['peers process CPU (whole profile)', '', (r) => `${r.peersCpuSeconds ?? '?'} CPU-s`],
];

export function printTable(results: Record<string, ProfileResult>): void {
  const names = Object.keys(results);
  printStoreOps(results);
  const widths = [38, 12, ...names.map(() => 44)];
  const line = (cells: string[]) =>
    console.log(
      cells
        .map((c, i) => c.padEnd(widths[i] ?? 20))
        .join(' ')
        .trimEnd(),
    );
  line(['', 'target', ...names]);
  for (const [label, target, pick] of ROWS) {
    line([label, target, ...names.map((n) => pick(results[n]!))]);
  }
}

/** Where the time went inside the node: its slowest store calls (wall ms) during the storm. */
function printStoreOps(results: Record<string, ProfileResult>): void {
  for (const [name, r] of Object.entries(results)) {
    console.log(`${name}: slowest store calls during the storm (n, p50/p99/max ms, wall time)`);
    for (const [op, n, p50, p99, max] of r.stormStoreOps) {
      console.log(`  ${op.padEnd(46)} n=${String(n).padEnd(6)} ${p50}/${p99}/${max}`);
    }
  }
}

/** p99 of a call, or null when the window holds no call of that kind (no number to judge). */
function p99(s: CallSummary | undefined): number | null {
  return s?.n ? s.p99 : null;
}

function below(value: number | null, target: number): boolean | null {
  return value === null ? null : value < target;
}

/** The per-profile object of the JSON line. */
export function jsonFields(r: ProfileResult) {
  const failedWrites = r.published.failed + r.failedWriteJobs + r.rejectedWrites;
  const storm = r.storm.calls;
  return {
    busy: r.busy,
    failedWrites,
    failedPublishes: r.published.failed,
    statuses: r.statuses,
    failedWriteJobs: r.failedWriteJobs,
    rejectedWrites: r.rejectedWrites,
    // Latencies and lag of the storm window (start until converged); `whole` has the full run.
    publishAckP99Ms: p99(storm.PublishBlobs),
    publishAckMaxMs: storm.PublishBlobs!.n ? storm.PublishBlobs!.max : null,
    metadataP99Ms: p99(storm.ResourceMetadata),
    eventsP99Ms: p99(storm.ListEvents),
    // Without the app's own wait for one of its 6 connections (app-client.ts).
    metadataWireP99Ms: storm.ResourceMetadata?.n ? storm.ResourceMetadata.wire.p99 : null,
    eventsWireP99Ms: storm.ListEvents?.n ? storm.ListEvents.wire.p99 : null,
    queryP99Ms: p99(storm.Query),
    discoveryStatusP99Ms: p99(storm.DiscoveryStatus),
    discoverP99Ms: p99(storm.Discover),
    loopLagP99Ms: r.storm.loopLagP99Ms,
    loopLagMaxMs: r.storm.loopLagMaxMs,
    stormSeconds: r.storm.seconds,
    havesBuildsPerScopeGeneration: r.haves.maxPerPair,
    havesBuildsPerAskedPair: Number(r.haves.perAskedPair.toFixed(3)),
    havesBuilds: r.haves.builds,
    dialsPerDiscoveryWithAuthority: Number(r.dials.mean.toFixed(2)),
    dialsPerDiscoveryMax: r.dials.max,
    discoveries: r.dials.tasks,
    blobsWritten: r.blobsWritten,
    blobsPerSec: r.blobsPerSec,
    converged: r.convergeSeconds !== null,
    convergeSeconds: r.convergeSeconds,
    maxWalMiB: Number((r.maxWalBytes / 1024 / 1024).toFixed(2)),
    writerBatches: r.writerBatches,
    peersCpuSeconds: r.peersCpuSeconds ?? null,
    /** DESIGN §8's targets, checked on this profile's storm window. */
    targetsMet: {
      busy: r.busy === 0,
      failedWrites: failedWrites === 0,
      publishAck: below(p99(storm.PublishBlobs), 50),
      metadata: below(p99(storm.ResourceMetadata), 10),
      events: below(p99(storm.ListEvents), 25),
      loopLag: r.storm.loopLagP99Ms < 20,
      havesBuilds: r.haves.maxPerPair <= 1,
      dials: r.dials.max <= 3,
      converged: r.convergeSeconds !== null,
    },
    storm: r.storm,
    whole: r.whole,
    after: r.after,
    stormStoreOps: r.stormStoreOps,
  };
}
