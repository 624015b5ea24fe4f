import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CID } from 'multiformats/cid';
import { metricSum } from '../../bench/storm/node-probes.ts';
import { publishBody, startTestNode, type TestNode } from '../api/helpers.ts';
import { makeDocument, testKey } from '../fixtures/blob-factory.ts';

/**
 * Announcements between real nodes on 127.0.0.1 (src/sync/announcer.ts, announce-listener.ts):
 * A is the site server of alice's space; B follows that space (an app shows it: a hot discovery).
 * Discovery results and subscriptions are kept for far longer than a test, so anything that
 * arrives at B after its first discovery arrived through an announcement.
 */

const alice = testKey('announce-alice');
const carol = testKey('announce-carol');
const first = makeDocument(alice, { genesis: 'cli', path: '/first', title: 'First', changes: 1 });
const later = makeDocument(alice, { genesis: 'cli', path: '/later', title: 'Later', changes: 2 });
const carolDoc = makeDocument(carol, { genesis: 'cli', path: '/c', title: 'Carol', changes: 1 });
const P2P = { listen: ['/ip4/127.0.0.1/tcp/0'] };
const LONG = { resultTtlMs: 600_000, interestTtlMs: 600_000 };

async function hasAll(node: TestNode, blobs: { cid: CID }[]): Promise<boolean> {
  const has = await node.store.read<boolean[]>({
    op: 'test.has',
    handler: 'store.hasBlobs',
    args: { multihashes: blobs.map((b) => b.cid.multihash.bytes) },
  });
  return has.every(Boolean);
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}

const rounds = (node: TestNode, outcome: string) =>
  metricSum(node.registry, 'seedling_announce_rounds_total', { outcome });

describe('announcements', () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;

  before(async () => {
    a = await startTestNode({ p2p: P2P, sync: { discovery: LONG } });
    c = await startTestNode({ p2p: P2P, sync: { discovery: LONG } });
    assert.equal((await a.post('PublishBlobs', publishBody(first.all))).status, 200);
    assert.equal((await c.post('PublishBlobs', publishBody(carolDoc.all))).status, 200);
    const site = a.net!.multiaddrs()[0]!.toString();
    b = await startTestNode({
      p2p: P2P,
      sync: { sites: { [alice.accountId]: site }, discovery: LONG, subscriptionRefreshMs: 600_000 },
    });
    const ask = { iri: `hm://${alice.accountId}`, recursive: 'subtree' as const, hot: true };
    const started = b.sync!.discovery.discover(ask);
    await b.sync!.discovery.settled(started.key);
    assert.ok(await hasAll(b, first.all), 'B discovered the space once');
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  });

  it("brings the user's new document to a follower within seconds, with no discovery", async () => {
    const asksBefore = await metricSum(b.registry, 'seedling_discovery_asks_total');
    const published = await a.post('PublishBlobs', publishBody(later.all, false));
    assert.equal(published.status, 200, published.text);
    assert.ok(await until(() => hasAll(b, later.all), 5_000), 'the new document reached B');
    assert.equal(
      await metricSum(a.registry, 'seedling_announces_sent_total', { outcome: 'ok' }),
      1,
    );
    // The round ends (and is counted) after its last reconcile, a moment after the blobs landed.
    assert.ok(await until(async () => (await rounds(b, 'pulled')) >= 1, 5_000));
    assert.equal(
      await metricSum(b.registry, 'seedling_discovery_asks_total'),
      asksBefore,
      'no discovery was asked for',
    );
    // The finished discovery's result was dropped: the next ask runs again instead of answering
    // the result from before the announcement.
    const again = b.sync!.discovery.discover({
      iri: `hm://${alice.accountId}`,
      recursive: 'subtree',
      hot: true,
    });
    assert.notEqual(again.state, 'done');
    await b.sync!.discovery.settled(again.key);
  });

  it('tells no one who does not follow the space', async () => {
    const sentBefore = await metricSum(a.registry, 'seedling_announces_sent_total');
    const bob = testKey('announce-bob');
    const bobDoc = makeDocument(bob, { genesis: 'cli', path: '/b', title: 'Bob', changes: 1 });
    assert.equal((await a.post('PublishBlobs', publishBody(bobDoc.all))).status, 200);
    await sleep(400);
    assert.equal(await metricSum(a.registry, 'seedling_announces_sent_total'), sentBefore);
    assert.equal(await hasAll(b, bobDoc.all), false);
  });

  it('stores nothing of a space it does not follow when a peer announces it', async () => {
    await c.net!.protocol.announce(
      b.net!.multiaddrs()[0]!,
      carolDoc.all.map((x) => x.cid.bytes),
    );
    // B fetches a few of them to learn their space (carol's), which it does not follow.
    assert.ok(await until(async () => (await rounds(b, 'unfollowed')) >= 1, 5_000));
    assert.equal(await hasAll(b, carolDoc.all), false, "carol's blobs were not stored");
  });

  it('ends a round after one lookup when every announced blob is stored', async () => {
    const served = () => metricSum(a.registry, 'seedling_sync_served_total', { kind: 'reconcile' });
    const before = await served();
    await a.net!.protocol.announce(
      b.net!.multiaddrs()[0]!,
      first.all.map((x) => x.cid.bytes),
    );
    assert.ok(await until(async () => (await rounds(b, 'known')) >= 1, 5_000));
    assert.equal(await served(), before, 'B asked A for no reconcile');
  });
});
