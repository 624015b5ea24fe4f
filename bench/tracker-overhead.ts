/**
 * Cost of the operation tracker (DESIGN §6: at most 2% of throughput), measured two ways in one run:
 *
 * 1. Store path: one queued store runs an op mix (point reads through the reader pool, small blob
 *    writes through the writer) in rounds, the tracker switched on and off between rounds (one
 *    store, so both sides share threads, files and caches; the order alternates so drift of the
 *    shared machine hits both alike). Overhead = 1 − median(on/off) over the pairs.
 * 2. Direct cost: nanoseconds per `record()` in a tight loop, times the ops/s of path 1, is the
 *    share of one main-thread second the tracker takes: a precise upper bound where 1 is noisy.
 *
 * Usage: node bench/tracker-overhead.ts [--quick]
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { OperationTracker } from '../src/obs/operation-tracker.ts';
import { openStore, type Store } from '../src/store/store.ts';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 8 : 20;
const OPS_PER_ROUND = QUICK ? 3_000 : 5_000;
const CONCURRENCY = 32;
const READ_SHARE = 0.6;
const RECORD_CALLS = 2_000_000;

type Side = { name: 'on' | 'off'; rates: number[] };

const known: Uint8Array[] = [];

function multihash(): Uint8Array {
  const mh = new Uint8Array(34);
  mh[0] = 0x12;
  mh[1] = 0x20;
  mh.set(randomBytes(32), 2);
  return mh;
}

/** One op of the mix: mostly point lookups, some small writes (as an app's API traffic). */
async function oneOp(store: Store, i: number): Promise<void> {
  if (i % 10 < READ_SHARE * 10 && known.length > 0) {
    const pick = [0, 1, 2, 3].map(
      () => known[(i * 7919 + Math.floor(Math.random() * 1e6)) % known.length],
    );
    await store.read({ op: 'bench.has', handler: 'store.hasBlobs', args: { multihashes: pick } });
    return;
  }
  const mh = multihash();
  if (known.length < 10_000) known.push(mh);
  const blob = { multihash: mh, codec: 0x55, data: randomBytes(256) };
  await store.write({ op: 'bench.put', class: 'sync', handler: 'store.putBlobs', payload: [blob] });
}

/** Runs `OPS_PER_ROUND` ops with `CONCURRENCY` in flight; returns ops/s. */
async function round(store: Store): Promise<number> {
  let next = 0;
  const start = performance.now();
  const lane = async () => {
    while (next < OPS_PER_ROUND) await oneOp(store, next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return OPS_PER_ROUND / ((performance.now() - start) / 1000);
}

function recordCostNs(): number {
  const tracker = new OperationTracker({ registry: new Registry() });
  const ops = ['api.PublishBlobs', 'sync.fetch', 'index.query', 'net.peers'];
  const e = { op: '', kind: 'read' as 'read' | 'write', waitMs: 0.3, runMs: 1.2, ok: true };
  for (let i = 0; i < 100_000; i++) tracker.record(e); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < RECORD_CALLS; i++) {
    e.op = ops[i & 3] ?? '';
    e.kind = i & 1 ? 'read' : 'write';
    tracker.record(e);
  }
  return Number(process.hrtime.bigint() - start) / RECORD_CALLS;
}

function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated quantile `q` (0–1) of `xs`. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return (s[lo] ?? 0) + ((s[Math.ceil(at)] ?? 0) - (s[lo] ?? 0)) * (at - lo);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedling-tracker-bench-'));
  const registry = new Registry();
  const tracker = new OperationTracker({ registry });
  const store = await openStore({ registry, tracker }, { path: path.join(dir, 'bench.db') });
  const on: Side = { name: 'on', rates: [] };
  const off: Side = { name: 'off', rates: [] };
  try {
    await round(store); // warm-up: threads, page cache, JIT
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which side goes first so a trend in machine load does not favour one.
      for (const side of r % 2 ? [off, on] : [on, off]) {
        tracker.enabled = side.name === 'on';
        side.rates.push(await round(store));
      }
      ratios.push((on.rates[r] ?? 0) / (off.rates[r] ?? 1));
    }
    tracker.enabled = true;
    const nsPerRecord = recordCostNs();
    report(on, off, ratios, nsPerRecord, tracker.slowest(1).length > 0);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function report(
  on: Side,
  off: Side,
  ratios: number[],
  nsPerRecord: number,
  recorded: boolean,
): void {
  const onRate = median(on.rates);
  const offRate = median(off.rates);
  const measured = 1 - median(ratios);
  // How far single pairs spread: the noise the median is read against.
  const spread = [1 - quantile(ratios, 0.75), 1 - quantile(ratios, 0.25)];
  // Share of main-thread time spent in record() at the measured op rate.
  const computed = (nsPerRecord * onRate) / 1e9;
  console.log(
    `tracker overhead (${QUICK ? 'quick' : 'full'}): ${ROUNDS} alternating rounds of ${OPS_PER_ROUND} ops, ${CONCURRENCY} in flight, ${READ_SHARE * 100}% reads`,
  );
  console.log('');
  console.log('| tracker | median ops/s | min ops/s | max ops/s |');
  console.log('|---|---:|---:|---:|');
  for (const s of [on, off]) {
    console.log(
      `| ${s.name} | ${median(s.rates).toFixed(0)} | ${Math.min(...s.rates).toFixed(0)} | ${Math.max(...s.rates).toFixed(0)} |`,
    );
  }
  console.log('');
  console.log(
    `record(): ${nsPerRecord.toFixed(0)} ns/call → ${(computed * 100).toFixed(3)}% of main-thread time at ${onRate.toFixed(0)} ops/s`,
  );
  console.log(
    `measured throughput overhead (median of paired rounds): ${(measured * 100).toFixed(2)}% (target < 2%; middle half of the pairs: ${(spread[0]! * 100).toFixed(1)} to ${(spread[1]! * 100).toFixed(1)}%)`,
  );
  const pass = computed < 0.02 && measured < 0.02 && recorded;
  console.log(
    JSON.stringify({
      bench: 'tracker-overhead',
      quick: QUICK,
      rounds: ROUNDS,
      opsPerRound: OPS_PER_ROUND,
      onOpsPerSec: Math.round(onRate),
      offOpsPerSec: Math.round(offRate),
      measuredOverheadPct: Number((measured * 100).toFixed(2)),
      pairsMiddleHalfPct: spread.map((x) => Number((x * 100).toFixed(1))),
      nsPerRecord: Number(nsPerRecord.toFixed(1)),
      computedOverheadPct: Number((computed * 100).toFixed(3)),
      targetPct: 2,
      pass,
    }),
  );
}

await main();
