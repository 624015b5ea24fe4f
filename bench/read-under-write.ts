/**
 * Reads under a write storm (DESIGN §4, §8): API read latency idle vs while the writer's `sync`
 * class is saturated, over real HTTP against a whole node (store + index + replay + API).
 *
 *   metadata: ResourceMetadata of one child document (index row, no replay)
 *   query:    Query of the direct children of a path holding 1,000 documents
 *   events:   one ListEvents page (30 events)
 * plus ResourceMetadata vs Resource (cold replay) on a 1-change and a 1,000-change document.
 *
 * The load: SYNC_PRODUCERS loops pushing pre-verified batches of new documents through
 * `store.write({class: 'sync', handler: 'index.putBlobs'})`, as the sync engine does after its
 * pool verified them; verification happened before the measurement so only writer load remains.
 * The HTTP client runs in the same process as the server, so its own work is in the numbers
 * (and in the loop lag): the figures are an upper bound of what a separate client would see.
 *
 * Usage: node bench/read-under-write.ts [--quick]   (prints a table, then one JSON line)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as dagCbor from '@ipld/dag-cbor';
import type { PreparedBlob } from '../src/index/index-input.ts';
import { startNode } from '../src/node.ts';
import { BASE_TS, makeDocument, testKey } from '../test/fixtures/blob-factory.ts';

const QUICK = process.argv.includes('--quick');
const CHILD_DOCS = 1_000;
const BIG_DOC_CHANGES = 1_000;
const SAMPLES = QUICK ? 60 : 300;
const LOAD_DOCS = QUICK ? 4_000 : 15_000;
const LOAD_BATCH_DOCS = 50; // 100 blobs per sync job, like SYNC_WRITE_BATCH
const SYNC_PRODUCERS = 8;
const PUBLISH_BATCH = 300;

type Blob = { cid: { toString(): string }; data: Uint8Array };
type Stats = { p50: number; p99: number };

const alice = testKey('bench-alice');
const bob = testKey('bench-bob');

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedling-bench-ruw-'));
  const node = await startNode({ dataDir: dir, http: { port: 0 }, p2p: false });
  try {
    const api = client(node.url);
    const fixtures = await seed(api);
    const load = await prepareLoad(node.store);
    const idle = await measureAll(api, fixtures);
    node.loopLag.reset();
    const storm = startStorm(node.store, load);
    const loaded = await measureAll(api, fixtures);
    const loopLagP99Ms = node.loopLag.p99Ms();
    const written = await storm.stop();
    const single = await replayCost(api, fixtures.small);
    const big = await replayCost(api, fixtures.big);
    report({ idle, loaded, loopLagP99Ms, written, single, big });
  } finally {
    await node.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function client(base: string) {
  const get = async (key: string, params: Record<string, string>) => {
    const res = await fetch(`${base}/api/${key}?${new URLSearchParams(params)}`);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${key}: ${res.status} ${text.slice(0, 200)}`);
    return text;
  };
  const publish = async (blobs: Blob[]) => {
    const body = dagCbor.encode({ blobs: blobs.map((b) => ({ data: b.data })) });
    const res = await fetch(`${base}/api/PublishBlobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/cbor' },
      body,
    });
    if (res.status !== 200) throw new Error(`PublishBlobs: ${res.status} ${await res.text()}`);
  };
  return { get, publish };
}
type Client = ReturnType<typeof client>;

type Fixtures = { small: string; big: string; folder: string };

/** 1,000 child documents under /folder, a 1-change and a 1,000-change document. */
async function seed(api: Client): Promise<Fixtures> {
  const started = performance.now();
  const children: Blob[] = [];
  for (let i = 0; i < CHILD_DOCS; i++) {
    const doc = makeDocument(alice, {
      path: `/folder/d${i}`,
      changes: 1,
      title: `Child ${i}`,
      ts: BASE_TS + i * 10,
    });
    children.push(...(i === 0 ? doc.all : doc.all.slice(1)));
  }
  for (let i = 0; i < children.length; i += PUBLISH_BATCH) {
    await api.publish(children.slice(i, i + PUBLISH_BATCH));
  }
  const small = makeDocument(alice, { path: '/small', changes: 1, ts: BASE_TS + 50_000_000 });
  await api.publish(small.all.slice(1));
  const big = makeDocument(alice, {
    path: '/big',
    changes: BIG_DOC_CHANGES,
    ts: BASE_TS + 60_000_000,
  });
  for (let i = 1; i < big.all.length; i += PUBLISH_BATCH) {
    await api.publish(big.all.slice(i, i + PUBLISH_BATCH));
  }
  log(`seeded ${CHILD_DOCS} children + 2 documents in ${ms(performance.now() - started)} ms`);
  const id = (p: string) => `hm://${alice.accountId}${p}`;
  return { small: id('/small'), big: id('/big'), folder: '/folder' };
}

/** New documents by another author, verified in the pool now so the storm is pure writer load. */
async function prepareLoad(store: Awaited<ReturnType<typeof startNode>>['store']) {
  const started = performance.now();
  const batches: PreparedBlob[][] = [];
  for (let i = 0; i < LOAD_DOCS; i += LOAD_BATCH_DOCS) {
    const blobs: { data: Uint8Array }[] = [];
    for (let j = i; j < Math.min(LOAD_DOCS, i + LOAD_BATCH_DOCS); j++) {
      const doc = makeDocument(bob, { path: `/load/d${j}`, changes: 1, ts: BASE_TS + j * 10 });
      // Every document of one author shares the empty genesis: send it once.
      blobs.push(...(j === 0 ? doc.all : doc.all.slice(1)).map((b) => ({ data: b.data })));
    }
    batches.push(
      await store.read<PreparedBlob[]>({
        op: 'bench.prepare',
        handler: 'index.prepareBlobs',
        args: blobs,
      }),
    );
  }
  log(`prepared ${batches.length} sync batches in ${ms(performance.now() - started)} ms`);
  return batches;
}

function startStorm(
  store: Awaited<ReturnType<typeof startNode>>['store'],
  batches: PreparedBlob[][],
) {
  let next = 0;
  let stopped = false;
  let written = 0;
  const producer = async () => {
    while (!stopped) {
      const batch = batches[next++ % batches.length]!;
      await store.write({
        op: 'bench.sync',
        class: 'sync',
        handler: 'index.putBlobs',
        payload: batch,
      });
      written += batch.length;
    }
  };
  const running = Array.from({ length: SYNC_PRODUCERS }, producer);
  return {
    async stop() {
      stopped = true;
      await Promise.all(running);
      return written;
    },
  };
}

async function measureAll(api: Client, f: Fixtures) {
  const metadata = await sample(() => api.get('ResourceMetadata', { id: `${f.small}` }));
  const query = await sample(() =>
    api.get('Query', {
      includes: JSON.stringify([{ space: alice.accountId, path: f.folder, mode: 'Children' }]),
      limit: String(CHILD_DOCS),
    }),
  );
  const events = await sample(() => api.get('ListEvents', { pageSize: '30' }));
  return { metadata, query, events };
}

async function sample(call: () => Promise<unknown>): Promise<Stats> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

/** ResourceMetadata (median of 20) vs Resource cold (first call: replay) and warm (cached). */
async function replayCost(api: Client, id: string) {
  const meta = await sampleN(20, () => api.get('ResourceMetadata', { id }));
  const t = performance.now();
  await api.get('Resource', { id });
  const cold = performance.now() - t;
  const warm = await sampleN(20, () => api.get('Resource', { id }));
  return { metadataMs: meta, resourceColdMs: cold, resourceWarmMs: warm };
}

async function sampleN(n: number, call: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

type Results = {
  idle: Awaited<ReturnType<typeof measureAll>>;
  loaded: Awaited<ReturnType<typeof measureAll>>;
  loopLagP99Ms: number;
  written: number;
  single: Awaited<ReturnType<typeof replayCost>>;
  big: Awaited<ReturnType<typeof replayCost>>;
};

function report(r: Results): void {
  const row = (name: string, i: Stats, l: Stats) =>
    `${name.padEnd(18)} ${ms(i.p50).padStart(8)} ${ms(i.p99).padStart(8)} ${ms(l.p50).padStart(10)} ${ms(l.p99).padStart(10)}`;
  console.log(`\nread-under-write${QUICK ? ' (quick)' : ''}: ${SAMPLES} samples per cell, ms`);
  console.log(
    `${'read'.padEnd(18)} ${'idle p50'.padStart(8)} ${'idle p99'.padStart(8)} ${'storm p50'.padStart(10)} ${'storm p99'.padStart(10)}`,
  );
  console.log(row('ResourceMetadata', r.idle.metadata, r.loaded.metadata));
  console.log(row(`Query (${CHILD_DOCS} docs)`, r.idle.query, r.loaded.query));
  console.log(row('ListEvents page', r.idle.events, r.loaded.events));
  console.log(
    `storm: ${r.written} blobs written by the sync class; event-loop lag p99 ${ms(r.loopLagP99Ms)} ms`,
  );
  console.log(
    `\n${'document'.padEnd(18)} ${'metadata'.padStart(9)} ${'resource cold'.padStart(14)} ${'resource warm'.padStart(14)}`,
  );
  for (const [name, c] of [
    ['1 change', r.single],
    [`${BIG_DOC_CHANGES} changes`, r.big],
  ] as const) {
    console.log(
      `${name.padEnd(18)} ${ms(c.metadataMs).padStart(9)} ${ms(c.resourceColdMs).padStart(14)} ${ms(c.resourceWarmMs).padStart(14)}`,
    );
  }
  console.log(
    JSON.stringify({
      bench: 'read-under-write',
      idle: {
        metadataP99Ms: round(r.idle.metadata.p99),
        queryP99Ms: round(r.idle.query.p99),
        eventsP99Ms: round(r.idle.events.p99),
      },
      loaded: {
        metadataP99Ms: round(r.loaded.metadata.p99),
        queryP99Ms: round(r.loaded.query.p99),
        eventsP99Ms: round(r.loaded.events.p99),
        loopLagP99Ms: round(r.loopLagP99Ms),
      },
      metadata1ChangeMs: round(r.single.metadataMs),
      metadata1000ChangesMs: round(r.big.metadataMs),
      resource1000ChangesMs: round(r.big.resourceColdMs),
    }),
  );
}

function ms(v: number): string {
  return v.toFixed(2);
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

await main();
