/**
 * Sync throughput and haves-set sharing, in one run (issue: P2P sync):
 *   1. verify   — single-core verifyBlob rate over the very blobs of the site (the yardstick);
 *   2. pull     — a node holding none of it pulls a site of D documents × C changes (+ a comment
 *                 each, + the home document and profile) from one peer over libp2p on 127.0.0.1:
 *                 wall time (both haves builds included), blobs/s, reconcile rounds, bytes
 *                 fetched; ingest as a fraction of (1). Measured warm, as (1) is: the node first
 *                 pulls a small unrelated site from the same peer (its threads have compiled the
 *                 pull's code and it is connected, as a node that has run a while and talks to
 *                 that peer). Then the same pull into a node fresh from start-up, dial included,
 *                 is reported beside it (`cold`; the peer's haves set is cached by then);
 *   3. fan-in   — another empty node pulls the same scope from P peers at once; its haves set for
 *                 the scope must be built once, and each blob fetched once node-wide.
 * Usage: node bench/sync.ts [--quick] [--docs D] [--changes C] [--peers P]
 * Prints a table, then one JSON line.
 */
import { parseArgs } from 'node:util';
import { multiaddr } from '@multiformats/multiaddr';
import { verifyBlob } from '../src/blob/verify-blob.ts';
import { testKey } from '../test/fixtures/blob-factory.ts';
import { startTestNode, type TestNode } from '../test/sync/helpers.ts';
import { makeSite, type SiteBlob } from '../test/sync/site.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    docs: { type: 'string' },
    changes: { type: 'string' },
    peers: { type: 'string' },
  },
});
const quick = values.quick ?? false;
const docs = Number(values.docs ?? (quick ? 60 : 200));
const changes = Number(values.changes ?? (quick ? 10 : 20));
const peers = Number(values.peers ?? 10);

function verifyRate(blobs: SiteBlob[]): number {
  const input = blobs.map((b) => ({ cid: b.cid.toString(), data: b.data }));
  for (const b of input.slice(0, 200)) verifyBlob(b); // warm-up
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    for (const b of input) verifyBlob(b);
    best = Math.max(best, input.length / ((performance.now() - start) / 1000));
  }
  return best;
}

async function publishInBatches(node: TestNode, blobs: SiteBlob[]): Promise<void> {
  for (let at = 0; at < blobs.length; at += 500) await node.publish(blobs.slice(at, at + 500));
}

/** A pull of `scope` from `source`, timed from before the dial to the last blob written. */
async function timedPull(puller: TestNode, source: TestNode, scope: string) {
  const start = performance.now();
  const pull = await puller.sync.engine.pull(multiaddr(source.addr), scope);
  return { pull, seconds: (performance.now() - start) / 1000 };
}

/**
 * Runs the pull path once on a small site of another account (nothing of the measured site is
 * fetched, stored or cached), like the verify yardstick's warm-up; the connection stays open.
 * Answers the blobs it stored.
 */
async function warmUp(puller: TestNode, source: TestNode): Promise<number> {
  const owner = testKey('bench-sync-warm-up');
  const site = makeSite(owner, testKey('bench-sync-commenter'), { docs: 10, changes: 10 });
  await publishInBatches(source, site.blobs);
  await puller.sync.engine.pull(multiaddr(source.addr), `subtree:${owner.accountId}`);
  return site.blobs.length;
}

async function main() {
  const owner = testKey('bench-sync-owner');
  const site = makeSite(owner, testKey('bench-sync-commenter'), { docs, changes });
  const scope = `subtree:${owner.accountId}`;
  const verifyPerSec = verifyRate(site.blobs);

  const source = await startTestNode();
  await publishInBatches(source, site.blobs);
  const puller = await startTestNode();
  const warmUpBlobs = await warmUp(puller, source);
  const { pull, seconds } = await timedPull(puller, source, scope);
  const blobsPerSec = pull.written / seconds;
  const stored = (await puller.blobCount()) - warmUpBlobs;
  const coldPuller = await startTestNode();
  const cold = await timedPull(coldPuller, source, scope);
  const coldPerSec = cold.pull.written / cold.seconds;

  // Fan-in: P peers hold the site (seeded by syncing from the source), an empty node pulls from all.
  const sources = [source];
  for (let i = 1; i < peers; i++) {
    const peer = await startTestNode();
    await peer.sync.engine.pull(multiaddr(source.addr), scope);
    sources.push(peer);
  }
  const fanIn = await startTestNode();
  const buildsBefore = fanIn.sync.haves.builds;
  const fanStart = performance.now();
  const results = await Promise.all(
    sources.map((s) => fanIn.sync.engine.pull(multiaddr(s.addr), scope)),
  );
  const fanSeconds = (performance.now() - fanStart) / 1000;
  const havesBuilds = fanIn.sync.haves.builds - buildsBefore;
  const fetched = results.reduce((n, r) => n + r.fetched, 0);
  const fanStored = await fanIn.blobCount();

  for (const n of [puller, coldPuller, fanIn, ...sources]) await n.close();

  const rows = [
    ['site', `${docs} docs × ${changes} changes + comments`, `${site.blobs.length} blobs`],
    ['verify (1 core)', `${Math.round(verifyPerSec)} blobs/s`, ''],
    ['pull from 1 peer', `${seconds.toFixed(2)} s`, `${Math.round(blobsPerSec)} blobs/s`],
    ['  rounds / bytes', `${pull.rounds} rounds`, `${(pull.bytes / 1024 / 1024).toFixed(1)} MiB`],
    ['  ingest / verify', `${((blobsPerSec / verifyPerSec) * 100).toFixed(0)} %`, 'target ≥ 50 %'],
    [
      '  same, fresh node, dial incl.',
      `${cold.seconds.toFixed(2)} s`,
      `${((coldPerSec / verifyPerSec) * 100).toFixed(0)} % of verify`,
    ],
    [`pull from ${peers} peers at once`, `${fanSeconds.toFixed(2)} s`, `${fanStored} stored`],
    ['  haves-set builds', `${havesBuilds}`, 'target 1'],
    ['  blobs fetched node-wide', `${fetched}`, `${site.blobs.length} distinct`],
  ];
  for (const r of rows) console.log(`${r[0]!.padEnd(30)} ${r[1]!.padEnd(34)} ${r[2]}`);
  console.log(
    JSON.stringify({
      bench: 'sync',
      quick,
      docs,
      changes,
      blobs: stored,
      seconds: Number(seconds.toFixed(3)),
      blobsPerSec: Math.round(blobsPerSec),
      rounds: pull.rounds,
      bytes: pull.bytes,
      verifyPerSecSingleCore: Math.round(verifyPerSec),
      ingestVsVerify: Number((blobsPerSec / verifyPerSec).toFixed(3)),
      cold: {
        seconds: Number(cold.seconds.toFixed(3)),
        blobsPerSec: Math.round(coldPerSec),
        ingestVsVerify: Number((coldPerSec / verifyPerSec).toFixed(3)),
      },
      multiPeer: {
        peers,
        havesBuilds,
        fetched,
        stored: fanStored,
        seconds: Number(fanSeconds.toFixed(3)),
      },
    }),
  );
}

await main();
