import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { multiaddr } from '@multiformats/multiaddr';
import type { DocumentRow } from '../../src/index/read-types.ts';
import { metricValue } from '../../src/obs/metrics.ts';
import { testKey } from '../fixtures/blob-factory.ts';
import { startTestNode, type TestNode } from './helpers.ts';
import { makeSite } from './site.ts';

const alice = testKey('sync-alice');
const bob = testKey('sync-bob');
const SUBTREE = `subtree:${alice.accountId}`;

async function metadata(node: TestNode, path: string) {
  return node.store.read<DocumentRow | null>({
    op: 'test.meta',
    handler: 'index.resourceMetadata',
    args: { account: alice.accountId, path },
  });
}

describe('sync between real nodes', () => {
  const site = makeSite(alice, bob, { docs: 6, changes: 4 });
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;

  before(async () => {
    [a, b, c] = await Promise.all([startTestNode(), startTestNode(), startTestNode()]);
    await a.publish(site.blobs);
  });
  after(async () => {
    await Promise.all([a, b, c].map((n) => n?.close()));
  });

  it('pulls a whole site into an empty node by reconciliation; documents read the same', async () => {
    const result = await b.sync.engine.pull(multiaddr(a.addr), SUBTREE);
    assert.equal(result.wanted, site.blobs.length);
    assert.equal(result.written, site.blobs.length);
    assert.equal(result.rejected, 0);
    assert.equal(await b.blobCount(), site.blobs.length);
    for (const path of ['', '/posts/p0', '/posts/p5']) {
      const [want, got] = await Promise.all([metadata(a, path), metadata(b, path)]);
      assert.ok(got, `document ${path} indexed on the puller`);
      assert.equal(got.version, want?.version);
      assert.equal(got.name, want?.name);
      assert.equal(got.commentCount, want?.commentCount);
    }
  });

  it('transfers nothing when the puller already has everything, and reuses the haves set', async () => {
    const buildsBefore = a.sync.haves.builds;
    const again = await b.sync.engine.pull(multiaddr(a.addr), SUBTREE);
    assert.equal(again.wanted, 0);
    assert.equal(again.fetched, 0);
    assert.equal(again.bytes, 0);
    assert.equal(a.sync.haves.builds, buildsBefore, 'the serving node built its set once');
  });

  it('converges three nodes holding different parts of a site', async () => {
    const more = makeSite(alice, bob, { docs: 2, changes: 2, ts: 1_800_000_000_000 });
    await b.publish(more.blobs.filter((x) => !site.blobs.some((s) => s.cid.equals(x.cid))));
    const [fromA, fromB] = await Promise.all([
      c.sync.engine.pull(multiaddr(a.addr), SUBTREE),
      c.sync.engine.pull(multiaddr(b.addr), SUBTREE),
    ]);
    const total = await b.blobCount();
    assert.equal(await c.blobCount(), total);
    assert.equal(fromA.written + fromB.written, total, 'each blob was written once');
    assert.equal(fromA.fetched + fromB.fetched, total, 'each blob was fetched once node-wide');
    await a.sync.engine.pull(multiaddr(c.addr), SUBTREE);
    assert.equal(await a.blobCount(), total);
  });

  it('serves one haves set to many concurrent pullers of an unchanged scope', async () => {
    const d = await startTestNode();
    try {
      const builds = a.sync.haves.builds;
      const scope = `doc:${alice.accountId}/posts/p1`;
      await Promise.all([
        d.sync.engine.pull(multiaddr(a.addr), scope),
        b.sync.engine.pull(multiaddr(a.addr), scope),
        c.sync.engine.pull(multiaddr(a.addr), scope),
      ]);
      assert.ok(a.sync.haves.builds - builds <= 1, 'at most one build for the scope');
    } finally {
      await d.close();
    }
  });

  it('holds a pull to the download cap, and still brings the whole site', async () => {
    const held = await a.blobCount(); // the site, and what the tests above added
    const total = site.blobs.reduce((n, b) => n + b.data.byteLength, 0);
    // The bucket pays about half at once; the rest takes a second or so at the cap.
    const cap = Math.ceil(total / 2);
    const capped = await startTestNode({ engine: { maxBytesPerSec: cap, fetchBatch: 8 } });
    try {
      const start = performance.now();
      const result = await capped.sync.engine.pull(multiaddr(a.addr), SUBTREE);
      const seconds = (performance.now() - start) / 1000;
      assert.equal(result.written, held);
      assert.equal(await capped.blobCount(), held);
      // Less the last batch, charged once it arrived: nothing waits for it.
      const lastBatch = 8 * Math.max(...site.blobs.map((b) => b.data.byteLength));
      const least = (result.bytes - cap - lastBatch) / cap;
      assert.ok(least > 0.5, `the test's site is large enough to be held (${least} s)`);
      assert.ok(seconds >= least, `${result.bytes} B at ${cap} B/s took ${seconds} s, < ${least}`);
      const waited = await metricValue(capped.registry, 'seedling_sync_rate_limited_seconds_total');
      assert.ok((waited ?? 0) > 0, 'the waits are counted');
    } finally {
      await capped.close();
    }
  });
});
