/**
 * The soak (DESIGN §1): does the promise hold for minutes, not just for one storm? Leaks, a WAL
 * that only grows, caches without bounds and slow drifts show only over time.
 *
 * On 127.0.0.1: one app node (startNode, in this process) and P peers (bench/storm/peers-child.ts,
 * one process at nice 19) whose sites keep growing: every --trickle-ms one peer, in turn, publishes
 * a new post. The simulated app of the storm (bench/storm/app-sim.ts, its own process) uses the node
 * the whole time: feed polling, listings and cards, discovery polling of every space (which is how
 * the node hears of the new posts), and the user's own publish every 500 ms — one document edited
 * over and over, as a user does. Every --sample-seconds the node's memory, WAL, database file,
 * event-loop lag and bounded structures are sampled, and the swarm's newest post is timed until it
 * is stored here (peers announce each post, as site servers do). At the end the trickle stops and, with the
 * app still open, the node must converge to every blob the peers serve.
 *
 * Usage: node bench/soak.ts [--quick] [--minutes M] [--peers P] [--docs D] [--changes C]
 *        [--trickle-ms T] [--sample-seconds S] [--windows W] [--peers-nice N] [--tail-seconds S]
 *        [--no-announce]  (the node neither announces nor acts on announcements, for comparison)
 * Prints a table per sample and a summary, then ONE JSON line. `npm run soak` = 10 minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CID } from 'multiformats/cid';
import { startNode } from '../src/node.ts';
import { epochMs } from '../src/store/epoch-ms.ts';
import type { Store } from '../src/store/store.ts';
import { HEAP_MEASURE, type Sample, SoakSampler } from './soak/sampler.ts';
import { AppProcess } from './storm/app-child.ts';
import { CallRecorder, round } from './storm/app-client.ts';
import { makeAppEdits } from './storm/app-user.ts';
import { metricSum } from './storm/node-probes.ts';
import { startPeers } from './storm/peers.ts';
import type { Latest } from './storm/peers-child.ts';
import { Convergence, warmUp } from './storm/run-profile.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    minutes: { type: 'string' },
    peers: { type: 'string', default: '10' },
    docs: { type: 'string', default: '40' },
    changes: { type: 'string', default: '10' },
    'trickle-ms': { type: 'string', default: '250' },
    'sample-seconds': { type: 'string' },
    windows: { type: 'string', default: '3' },
    'peers-nice': { type: 'string', default: '19' },
    'tail-seconds': { type: 'string', default: '120' },
    /** Turn the node's announcements off (sync.announce.enabled = false), for comparison. */
    'no-announce': { type: 'boolean', default: false },
  },
});
const quick = values.quick ?? false;
const minutes = Number(values.minutes ?? (quick ? 2 : 10));
const sampleSeconds = Number(values['sample-seconds'] ?? (quick ? 10 : 30));
const peers = Number(values.peers);
const docs = Number(values.docs);
const changes = Number(values.changes);
const trickleMs = Number(values['trickle-ms']);
const windows = Number(values.windows);
const peersNice = Number(values['peers-nice']);
const tailSeconds = Number(values['tail-seconds']);
const announce = !values['no-announce'];
for (const [name, v] of Object.entries({ minutes, sampleSeconds, peers, docs, changes, windows })) {
  if (!(v > 0)) throw new Error(`--${name} must be a positive number`);
}
if (!(trickleMs >= 0)) throw new Error('--trickle-ms must be 0 (no trickle) or more');

/** Calls whose latency the summary reports per sample window. */
const CALLS = ['ResourceMetadata', 'ListEvents', 'Query', 'PublishBlobs'] as const;
const PUBLISH_MS = 500;
const ARRIVAL_POLL_MS = 100;
const ARRIVAL_TIMEOUT_MS = 60_000;

async function main(): Promise<void> {
  const swarm = await startPeers({ peers, docs, changes, nice: peersNice, trickleMs });
  const dir = mkdtempSync(join(tmpdir(), 'seedling-soak-'));
  const sites = Object.fromEntries(swarm.peers.map((p) => [p.account, p.addr]));
  const node = await startNode({
    dataDir: dir,
    http: { host: '127.0.0.1', port: 0 },
    p2p: { bootstrap: swarm.peers.slice(0, 3).map((p) => p.addr) },
    sync: { sites, announce: { enabled: announce } },
  });
  console.log(
    `soak: ${minutes} min, ${peers} peers with ${swarm.cids.length} blobs to start ` +
      `(${docs} docs × ${changes} changes per site), a new post every ${trickleMs} ms, ` +
      `${windows} windows, a sample every ${sampleSeconds} s, announcements ${announce ? 'on' : 'off'}`,
  );
  const sampler = new SoakSampler(node);
  try {
    const edits = makeAppEdits(Math.ceil((minutes * 60_000) / PUBLISH_MS) + 20);
    const app = new AppProcess();
    const publishes = await warmUp(node.url, edits.publishes, edits);
    await app.ready();
    sampler.start();
    const startEpoch = epochMs();
    app.start({
      url: node.url,
      init: { spaces: swarm.peers.map((p) => p.account), windows, publishes },
      transport: 'http',
    });
    const end = performance.now() + minutes * 60_000;
    const arrivals: Promise<number | null>[] = [];
    while (performance.now() < end) {
      await sleep(Math.min(sampleSeconds * 1000, end - performance.now()));
      const s = await sampler.sample();
      console.log(sampleLine(s));
      const latest = await swarm.latest();
      if (latest) arrivals.push(arrivalMs(node.store, latest));
    }
    // The sites stop growing; the app stays open (its discovery polling is how the node hears of
    // the last posts) until the node holds every blob the peers serve.
    const frozen = await swarm.freeze();
    const converge = new Convergence(node.store, frozen.cids);
    converge.start(performance.now());
    await converge.waitUntil(tailSeconds * 1000);
    converge.stop();
    const recorder = CallRecorder.fromReport(await app.stop());
    sampler.stop();
    const arrived = await Promise.all(arrivals);
    const samples = sampler.samples;
    const calls = (from: number, to: number) =>
      Object.fromEntries(CALLS.map((c) => [c, recorder.summary(c, from, to).p99]));
    const perSample = samples.map((s, i) => ({
      ...s,
      p99: calls(i === 0 ? startEpoch : samples[i - 1]!.epoch, s.epoch),
      newPostArrivalMs: arrived[i] ?? null,
    }));
    const arrivedMs = arrived.filter((ms): ms is number => ms !== null).sort((x, y) => x - y);
    const whole = Object.fromEntries(CALLS.map((c) => [c, recorder.summary(c)]));
    const busy = await metricSum(node.registry, 'seedling_sqlite_busy_total');
    const failedWrites = await metricSum(node.registry, 'seedling_write_jobs_total', {
      result: 'failed',
    });
    const failures = Object.fromEntries(recorder.failures);
    const announceRounds = Object.fromEntries(
      await Promise.all(
        ['known', 'unfollowed', 'pulled', 'nothing-new', 'failed'].map(
          async (outcome) =>
            [
              outcome,
              await metricSum(node.registry, 'seedling_announce_rounds_total', { outcome }),
            ] as const,
        ),
      ),
    );
    const worstLagP99 = Math.max(...samples.map((s) => s.lagP99Ms));
    const result = {
      bench: 'soak',
      quick,
      minutes,
      peers,
      trickleMs,
      blobsAtStart: swarm.cids.length,
      postsAdded: frozen.posts,
      blobsAtEnd: frozen.cids.length,
      published: recorder.summary('PublishBlobs').n,
      busy,
      failedWrites,
      failedCalls: failures,
      announce,
      announceRounds,
      newPostArrivalMs: {
        n: arrived.length,
        p50: arrivedMs[Math.floor(arrivedMs.length / 2)] ?? null,
        max: arrivedMs.at(-1) ?? null,
        missed: arrived.length - arrivedMs.length,
      },
      converged: converge.seconds !== null,
      convergeAfterStopSeconds: converge.seconds === null ? null : round(converge.seconds),
      missingBlobs: converge.missing,
      heapMeasure: HEAP_MEASURE,
      heapMiB: trend(samples.map((s) => [s.seconds, s.heapMiB])),
      rssMiB: trend(samples.map((s) => [s.seconds, s.rssMiB])),
      workerHeapsMiB: trend(samples.map((s) => [s.seconds, s.workerHeapsMiB])),
      workerHeapsTotalMiB: trend(samples.map((s) => [s.seconds, s.workerHeapsTotalMiB])),
      walMaxMiB: Math.max(...samples.map((s) => s.walMaxMiB)),
      dbMiB: samples.at(-1)?.dbMiB ?? 0,
      worstLoopLagP99Ms: worstLagP99,
      calls: whole,
      targetsMet: {
        busy: busy === 0,
        failedWrites: failedWrites === 0,
        converged: converge.seconds !== null,
        loopLag: worstLagP99 < 20,
        publishAck: whole.PublishBlobs!.p99 < 50,
      },
      samples: perSample,
    };
    printSummary(result);
    console.log(JSON.stringify(result));
  } finally {
    sampler.stop();
    await node.close();
    await swarm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How long the newest post of the swarm took to be stored here, from the moment its peer made it
 * (epoch ms); null when it did not arrive within ARRIVAL_TIMEOUT_MS.
 */
async function arrivalMs(store: Store, latest: NonNullable<Latest>): Promise<number | null> {
  const multihashes = latest.cids.map((c) => CID.parse(c).multihash.bytes);
  const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const has = await store.read<boolean[]>({
      op: 'bench.soak',
      handler: 'store.hasBlobs',
      args: { multihashes },
    });
    if (has.every(Boolean)) return Date.now() - latest.at;
    await sleep(ARRIVAL_POLL_MS);
  }
  return null;
}

function sampleLine(s: Sample): string {
  return (
    `  ${String(Math.round(s.seconds)).padStart(5)} s  blobs ${String(s.blobs).padStart(7)}  ` +
    `heap ${s.heapMiB.toFixed(1).padStart(6)} MiB (workers ${s.workerHeapsMiB.toFixed(0)} of ${s.workerHeapsTotalMiB.toFixed(0)})  ` +
    `rss ${s.rssMiB.toFixed(0).padStart(4)} MiB (anon ${s.rssAnonMiB?.toFixed(0) ?? '?'})  ` +
    `wal ≤${s.walMaxMiB.toFixed(0).padStart(4)} MiB  db ${s.dbMiB.toFixed(0).padStart(5)} MiB  ` +
    `lag p99 ${s.lagP99Ms.toFixed(1).padStart(5)} ms  haves ${s.havesEntries}  docs ${s.documentCacheEntries}  ` +
    `conns ${s.connections}  tasks ${s.discoveryRunning}`
  );
}

/**
 * First and last value, and the slope (per hour) of a least-squares line through each half of the
 * run: a leak keeps its slope in the second half; a cache filling up to its bound flattens.
 */
function trend(points: [number, number][]) {
  const half = Math.floor(points.length / 2);
  return {
    first: round(points[0]?.[1] ?? 0),
    last: round(points.at(-1)?.[1] ?? 0),
    max: round(Math.max(...points.map((p) => p[1]))),
    firstHalfPerHour: round(slope(points.slice(0, Math.max(2, half))) * 3600),
    secondHalfPerHour: round(slope(points.slice(half)) * 3600),
  };
}

function slope(points: [number, number][]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function printSummary(r: {
  blobsAtStart: number;
  blobsAtEnd: number;
  postsAdded: number;
  published: number;
  busy: number;
  failedWrites: number;
  failedCalls: Record<string, number>;
  convergeAfterStopSeconds: number | null;
  missingBlobs: number;
  newPostArrivalMs: { n: number; p50: number | null; max: number | null; missed: number };
  heapMiB: ReturnType<typeof trend>;
  rssMiB: ReturnType<typeof trend>;
  workerHeapsMiB: ReturnType<typeof trend>;
  workerHeapsTotalMiB: ReturnType<typeof trend>;
  walMaxMiB: number;
  worstLoopLagP99Ms: number;
  calls: Record<string, { p50: number; p99: number; max: number; n: number }>;
  samples: Sample[];
}): void {
  console.log(
    `\nblobs: ${r.blobsAtStart} at start, ${r.blobsAtEnd} at the end (${r.postsAdded} posts added); ${r.published} publishes by the app user`,
  );
  console.log(
    `SQLITE_BUSY ${r.busy}, failed writes ${r.failedWrites}, failed calls ${JSON.stringify(r.failedCalls)}`,
  );
  const a = r.newPostArrivalMs;
  console.log(
    `a new post reached the node in ${a.p50} ms (median of ${a.n}), ${a.max} ms at most, ${a.missed} not within ${ARRIVAL_TIMEOUT_MS / 1000} s`,
  );
  console.log(
    r.convergeAfterStopSeconds === null
      ? `NOT converged: ${r.missingBlobs} blobs missing after the tail`
      : `converged ${r.convergeAfterStopSeconds} s after the trickle stopped`,
  );
  for (const [name, t] of [
    [`heap (${HEAP_MEASURE})`, r.heapMiB],
    ['worker threads’ heaps (used)', r.workerHeapsMiB],
    ['worker threads’ heaps (held)', r.workerHeapsTotalMiB],
    ['rss', r.rssMiB],
  ] as const) {
    console.log(
      `${name}: ${t.first} → ${t.last} MiB (max ${t.max}); slope ${t.firstHalfPerHour} MiB/h in the first half, ${t.secondHalfPerHour} MiB/h in the second`,
    );
  }
  console.log(
    `max WAL ${r.walMaxMiB.toFixed(1)} MiB; worst event-loop lag p99 of a sample ${r.worstLoopLagP99Ms} ms`,
  );
  const threads = Object.entries(r.samples.at(-1)?.threadHeapsMiB ?? {})
    .map(([thread, [used, held]]) => `${thread} ${used}/${held}`)
    .join(', ');
  console.log(`heaps at the end, used/held MiB: ${threads}`);
  for (const [name, c] of Object.entries(r.calls)) {
    console.log(`  ${name.padEnd(18)} p50/p99/max ${c.p50}/${c.p99}/${c.max} ms (n=${c.n})`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

await main();
