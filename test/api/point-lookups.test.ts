import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InvalidInputError } from '../../src/errors.ts';
import { metricValue } from '../../src/obs/metrics.ts';
import { makeDocument, testKey } from '../fixtures/blob-factory.ts';
import { publishBody, startTestNode, type TestNode } from './helpers.ts';

/**
 * The app's most frequent calls (ResourceMetadata, the unfiltered ListEvents page, Account) are
 * point lookups rendered on the main thread's own connection; anything that may scan stays in
 * the reader pool.
 */
const alice = testKey('point-alice');
const doc = makeDocument(alice, { genesis: 'cli', path: '/p', title: 'Pointed', changes: 1 });

async function count(node: TestNode, name: string, labels: Record<string, string>) {
  return (await metricValue(node.registry, name, labels)) ?? 0;
}

describe('point lookups on the main thread', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
    assert.equal((await node.post('PublishBlobs', publishBody(doc.all))).status, 200);
  });
  after(async () => node?.stop());

  it('answers ResourceMetadata and the feed page from the main connection, not the pool', async () => {
    const pooled = () =>
      count(node, 'seedling_reader_tasks_total', { handler: 'api.render', result: 'ok' });
    const before = await pooled();
    const meta = await node.get('ResourceMetadata', { id: `hm://${alice.accountId}/p` });
    assert.equal((meta.body as { metadata: { name: string } }).metadata.name, 'Pointed');
    const feed = await node.get('ListEvents', { pageSize: '5' });
    assert.ok((feed.body as { events: unknown[] }).events.length > 0);
    assert.equal(await pooled(), before, 'no pool task for point lookups');
    const text = await node.registry.getSingleMetricAsString('seedling_main_lookup_seconds');
    assert.match(text, /seedling_main_lookup_seconds_count\{handler="api.renderPoint"\} 2/);
  });

  it('reports the request path caches: a repeated card costs no digest and no base58 decode', async () => {
    const id = `hm://${alice.accountId}/p`;
    await node.get('ResourceMetadata', { id });
    const digests = () => count(node, 'seedling_api_etag_digest_cache_misses', {});
    const parses = () => count(node, 'seedling_account_id_cache_misses', {});
    const hits = () => count(node, 'seedling_account_id_cache_hits', {});
    const [digestsBefore, parsesBefore, hitsBefore] = [
      await digests(),
      await parses(),
      await hits(),
    ];
    for (let i = 0; i < 3; i++) {
      assert.equal((await node.get('ResourceMetadata', { id })).status, 200);
    }
    assert.equal(await digests(), digestsBefore, 'the URL digest came from the cache');
    assert.equal(await parses(), parsesBefore, 'the account ID came from the cache');
    assert.ok((await hits()) >= hitsBefore + 3);
    assert.ok((await count(node, 'seedling_api_etag_digest_cache_entries', {})) > 0);
  });

  it('sends a filtered feed (which may scan) to the pool', async () => {
    const before = await count(node, 'seedling_reader_tasks_total', {
      handler: 'api.render',
      result: 'ok',
    });
    const res = await node.get('ListEvents', {
      pageSize: '5',
      filterAuthors: JSON.stringify([alice.accountId]),
    });
    assert.equal(res.status, 200, res.text);
    const after = await count(node, 'seedling_reader_tasks_total', {
      handler: 'api.render',
      result: 'ok',
    });
    assert.equal(after, before + 1);
  });

  it('refuses to run a handler not listed as a point lookup on the main thread', async () => {
    await assert.rejects(
      node.store.lookup({ op: 't', handler: 'index.query', args: {} }),
      (err) => err instanceof InvalidInputError && /not a point lookup/.test(err.message),
    );
  });
});

describe('PublishBlobs verification: small publishes on the main thread, large in the pool', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => node?.stop());

  const pooled = () =>
    count(node, 'seedling_reader_tasks_total', { handler: 'index.prepareBlobs', result: 'ok' });

  it('verifies an edit of a few blobs inline, and still refuses a bad one with nothing written', async () => {
    const bob = testKey('point-bob');
    const small = makeDocument(bob, { genesis: 'cli', path: '/s', title: 'Small', changes: 0 });
    assert.ok(small.all.length <= 4, 'a document of genesis, change and ref');
    const before = await pooled();
    const ok = await node.post('PublishBlobs', publishBody(small.all));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(await pooled(), before, 'no pool task for a small publish');
    const bad = Uint8Array.from(small.ref.data);
    bad[bad.length - 2]! ^= 0xff;
    // Another author: a genesis of the same author would be the very blob stored above.
    const other = makeDocument(testKey('point-dave'), {
      genesis: 'cli',
      path: '/t',
      title: 'Other',
      changes: 0,
    });
    const refused = await node.post('PublishBlobs', {
      blobs: [{ data: other.genesis.data }, { data: bad }],
    });
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.text, /blobs\[1\]/);
    const kept = await node.get('GetCID', { cid: small.genesis.cid.toString() });
    assert.notEqual((kept.body as { value?: unknown }).value, undefined, 'a stored blob is found');
    const stored = await node.get('GetCID', { cid: other.genesis.cid.toString() });
    assert.equal(
      (stored.body as { value?: unknown }).value,
      undefined,
      'the good blob of a refused request was not written',
    );
  });

  it('sends a larger publish to the pool', async () => {
    const carol = testKey('point-carol');
    const big = makeDocument(carol, { genesis: 'cli', path: '/b', title: 'Big', changes: 4 });
    assert.ok(big.all.length > 4);
    const before = await pooled();
    const res = await node.post('PublishBlobs', publishBody(big.all));
    assert.equal(res.status, 200, res.text);
    assert.equal(await pooled(), before + 1);
  });
});
