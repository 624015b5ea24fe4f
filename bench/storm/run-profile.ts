import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import { type NodeInit, startNode } from '../../src/node.ts';
import { epochMs } from '../../src/store/epoch-ms.ts';
import type { Store } from '../../src/store/store.ts';
import { AppProcess } from './app-child.ts';
import {
  AppClient,
  type AppHttp,
  CallRecorder,
  type CallSummary,
  percentiles,
  round,
} from './app-client.ts';
import type { Publish } from './app-user.ts';
import { HeapSampler } from './heap-sample.ts';
import { metricSum, NodeProbes } from './node-probes.ts';
import type { StormPeers } from './peers.ts';

/** A profile is settings only: what is passed to startNode for the store and sync. */
export type Profile = { name: string; store?: NodeInit['store']; sync?: NodeInit['sync'] };

export type RunInit = {
  peers: Pick<StormPeers, 'peers' | 'cids'>;
  publishes: Publish[];
  /** The app user's document, for the warm-up calls. */
  edits: { account: string; path: string };
  windows: number;
  /** The simulated app's HTTP client (app-client.ts). */
  appHttp: AppHttp;
  /** How long the app runs (the storm happens inside it). */
  seconds: number;
  /** Extra wait for convergence after the app stopped, when not converged yet. */
  tailSeconds: number;
  bootstrap: number;
};

/** App-side numbers over one window of the run. */
export type Window = {
  seconds: number;
  cpuSeconds: number;
  calls: Record<string, CallSummary>;
  loopLagP99Ms: number;
  loopLagMaxMs: number;
  /** How late the app's own loop ran its 10 ms timer (app-child.ts): the app's share of a tail. */
  appLoopLateP99Ms: number;
  appLoopLateMaxMs: number;
};

export type ProfileResult = {
  /** From the start of the storm until every peer blob is stored (the whole run if never). */
  storm: Window;
  /** The whole app run (the storm, then the app polling a node that has everything). */
  whole: Window;
  /**
   * The app's calls after convergence only: the same app on a node with nothing left to sync,
   * the floor its access pattern sets on this machine (null when the run never converged).
   */
  after: Record<string, CallSummary> | null;
  published: { ok: number; failed: number };
  /** Answers per "<call> <HTTP status>" over the whole run (0 = the request itself failed). */
  statuses: Record<string, number>;
  busy: number;
  failedWriteJobs: number;
  rejectedWrites: number;
  haves: ReturnType<NodeProbes['havesBuilds']>;
  dials: ReturnType<NodeProbes['dials']>;
  discoveryAsks: { started: number; joined: number; cached: number };
  blobsWritten: number;
  blobsPerSec: number;
  convergeSeconds: number | null;
  missingBlobs: number;
  maxWalBytes: number;
  /**
   * The writer's batches over the run: commits, batches ended early for the user's write, and
   * batches sent ahead that came back unrun because the one before deferred jobs (writer.ts).
   */
  writerBatches: { commits: number; yielded: number; stale: number; express: number };
  /** Store calls during the storm, slowest p99 first: [op, n, p50 ms, p99 ms, max ms]. */
  stormStoreOps: [string, number, number, number, number][];
  /** CPU used by the peers' process while this profile ran (filled in by bench/storm.ts). */
  peersCpuSeconds?: number | null;
};

export const CALLS = [
  'ListEvents',
  'Query',
  'ResourceMetadata',
  'DiscoveryStatus',
  'Discover',
  'PublishBlobs',
] as const;

/** Runs the app and the storm against a fresh node built with the profile's settings. */
export async function runProfile(profile: Profile, run: RunInit): Promise<ProfileResult> {
  const dir = mkdtempSync(join(tmpdir(), `seedling-storm-${profile.name}-`));
  const sites = Object.fromEntries(run.peers.peers.map((p) => [p.account, p.addr]));
  const node = await startNode({
    dataDir: dir,
    http: { host: '127.0.0.1', port: 0 },
    p2p: { bootstrap: run.peers.peers.slice(0, run.bootstrap).map((p) => p.addr) },
    sync: { ...profile.sync, sites },
    ...(profile.store ? { store: profile.store } : {}),
  });
  const probes = new NodeProbes(node);
  const converge = new Convergence(node.store, run.peers.cids);
  try {
    const app = new AppProcess();
    const publishes = await warmUp(node.url, run.publishes, run.edits);
    await app.ready();
    const heapSampler = new HeapSampler();
    await heapSampler.start();
    probes.start();
    node.loopLag.reset();
    const cpuBefore = process.cpuUsage();
    let stormCpu: NodeJS.CpuUsage | null = null;
    const start = performance.now();
    // The loop-lag histogram accumulates from the reset: read at convergence it covers the storm.
    let stormLag: [number, number] | null = null;
    converge.onConverged = () => {
      stormLag = [node.loopLag.p99Ms(), node.loopLag.maxMs()];
      stormCpu = process.cpuUsage(cpuBefore);
      probes.stopStoreTimes();
      void heapSampler.stop();
    };
    const startEpoch = epochMs();
    app.start({
      url: node.url,
      init: { spaces: run.peers.peers.map((p) => p.account), windows: run.windows, publishes },
      transport: run.appHttp,
    });
    converge.start(start);
    await sleep(run.seconds * 1000);
    const appReport = await app.stop();
    const recorder = CallRecorder.fromReport(appReport);
    const end = performance.now();
    const wholeLag: [number, number] = [node.loopLag.p99Ms(), node.loopLag.maxMs()];
    const wholeCpu = process.cpuUsage(cpuBefore);
    const stormEnd = converge.seconds === null ? end : start + converge.seconds * 1000;
    const window = (to: number, lag: [number, number], cpu: NodeJS.CpuUsage): Window => ({
      seconds: round((to - start) / 1000),
      // CPU of the node's process (all its threads: main, writer, readers, checkpointer); the
      // simulated app runs in a process of its own.
      cpuSeconds: round((cpu.user + cpu.system) / 1e6),
      calls: Object.fromEntries(
        CALLS.map((c) => [c, recorder.summary(c, startEpoch, startEpoch + (to - start))]),
      ),
      loopLagP99Ms: round(lag[0]),
      loopLagMaxMs: round(lag[1]),
      ...appLate(startEpoch, startEpoch + (to - start)),
    });
    const appLate = (from: number, to: number) => {
      const late = percentiles(
        appReport.loopLate.filter(([at]) => at >= from && at <= to).map(([, ms]) => ms),
      );
      return { appLoopLateP99Ms: late.p99, appLoopLateMaxMs: late.max };
    };
    const storm = window(stormEnd, stormLag ?? wholeLag, stormCpu ?? wholeCpu);
    const whole = window(end, wholeLag, wholeCpu);
    const after =
      converge.seconds === null
        ? null
        : Object.fromEntries(
            CALLS.map((c) => [
              c,
              recorder.summary(c, startEpoch + (stormEnd - start), startEpoch + (end - start)),
            ]),
          );
    if (converge.seconds === null) await converge.waitUntil(run.tailSeconds * 1000);
    converge.stop();
    probes.stop();
    const written = await metricSum(node.registry, 'seedling_sync_blobs_total', {
      stage: 'written',
    });
    const syncSeconds = converge.seconds ?? (performance.now() - start) / 1000;
    return {
      storm,
      whole,
      after,
      published: appReport.published,
      statuses: Object.fromEntries(recorder.statuses),
      busy: await metricSum(node.registry, 'seedling_sqlite_busy_total'),
      failedWriteJobs: await metricSum(node.registry, 'seedling_write_jobs_total', {
        result: 'failed',
      }),
      rejectedWrites: await metricSum(node.registry, 'seedling_write_rejected_total'),
      haves: probes.havesBuilds(),
      dials: probes.dials(),
      discoveryAsks: {
        started: await metricSum(node.registry, 'seedling_discovery_asks_total', {
          outcome: 'started',
        }),
        joined: await metricSum(node.registry, 'seedling_discovery_asks_total', {
          outcome: 'joined',
        }),
        cached: await metricSum(node.registry, 'seedling_discovery_asks_total', {
          outcome: 'cached',
        }),
      },
      blobsWritten: written,
      blobsPerSec: Math.round(written / syncSeconds),
      convergeSeconds: converge.seconds === null ? null : round(converge.seconds),
      missingBlobs: converge.missing,
      maxWalBytes: probes.maxWalBytes,
      writerBatches: {
        commits: await metricSum(node.registry, 'seedling_write_commits_total'),
        yielded: await metricSum(node.registry, 'seedling_write_batches_yielded_total'),
        express: await metricSum(node.registry, 'seedling_write_express_total'),
        stale: await metricSum(node.registry, 'seedling_write_batches_stale_total'),
      },
      stormStoreOps: probes.slowestStoreOps(8),
    };
  } finally {
    converge.stop();
    probes.stop();
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const WARMUP_PUBLISHES = 4;
const WARMUP_ROUNDS = 5;

/**
 * Before measuring, the app uses the fresh node for a moment on its own data only (feed, listing
 * and metadata of the user's account, the first publishes): the reader and writer threads load
 * their modules and the HTTP path compiles, as on any node that has been up for a while. Nothing
 * here touches the peers' spaces, so sync starts with the measurement. Answers the publishes left.
 */
export async function warmUp(
  url: string,
  publishes: Publish[],
  edits: { account: string; path: string },
): Promise<Publish[]> {
  const client = new AppClient(url, new CallRecorder());
  for (const blobs of publishes.slice(0, WARMUP_PUBLISHES)) {
    await client.post('PublishBlobs', { blobs: blobs.map((b) => ({ data: b.data })) });
  }
  for (let i = 0; i < WARMUP_ROUNDS; i++) {
    await Promise.all([
      client.get('ListEvents', { pageSize: '30' }),
      client.get('Query', {
        includes: JSON.stringify([{ space: edits.account, path: '', mode: 'AllDescendants' }]),
      }),
      client.get('ResourceMetadata', { id: `hm://${edits.account}${edits.path}` }),
    ]);
    await sleep(100);
  }
  client.close();
  return publishes.slice(WARMUP_PUBLISHES);
}

/**
 * Convergence: every blob the peers serve is stored. Every CHECK_MS one cheap `store.countBlobs`
 * read; only once the count reaches the peers' total (plus the app's own publishes) are the
 * missing CIDs checked one by one with `store.hasBlobs` — so the probe adds almost nothing to
 * the reader pool while the storm runs.
 */
export class Convergence {
  static readonly CHECK_MS = 250;
  static readonly CHUNK = 5_000;
  readonly store: Store;
  seconds: number | null = null;
  onConverged: (() => void) | undefined;
  #missing: Uint8Array[];
  readonly #total: number;
  #start = 0;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(store: Store, cids: string[]) {
    this.store = store;
    this.#missing = cids.map((c) => CID.parse(c).multihash.bytes);
    this.#total = cids.length;
  }

  get missing(): number {
    return this.#missing.length;
  }

  start(start: number): void {
    this.#start = start;
    this.#timer = setInterval(() => void this.#check(), Convergence.CHECK_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async waitUntil(ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (this.seconds === null && performance.now() < deadline) await sleep(250);
  }

  async #check(): Promise<void> {
    if (this.#checking || this.seconds !== null) return;
    this.#checking = true;
    try {
      const count = await this.#read<number>('store.countBlobs', {});
      if (count < this.#total) return;
      const still: Uint8Array[] = [];
      for (let at = 0; at < this.#missing.length; at += Convergence.CHUNK) {
        const chunk = this.#missing.slice(at, at + Convergence.CHUNK);
        const has = await this.#read<boolean[]>('store.hasBlobs', { multihashes: chunk });
        chunk.forEach((mh, i) => {
          if (!has[i]) still.push(mh);
        });
      }
      this.#missing = still;
      if (still.length === 0) {
        this.seconds = (performance.now() - this.#start) / 1000;
        this.onConverged?.();
      }
    } catch {
      // the node is closing or the pool is saturated: try again at the next tick
    } finally {
      this.#checking = false;
    }
  }

  #read<T>(handler: string, args: unknown): Promise<T> {
    return this.store.read<T>({ op: 'bench.converge', handler, args });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
