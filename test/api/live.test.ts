import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import superjson from 'superjson';
import { BASE_TS, makeDocument, testKey } from '../fixtures/blob-factory.ts';
import { publishBody, request, startTestNode, type TestNode } from './helpers.ts';

/** ETag/304 without database work, SSE of new events, 503 + Retry-After, /metrics and /debug. */

const alice = testKey('alice');
let node: TestNode;

describe('live API behaviour', () => {
  before(async () => {
    node = await startTestNode();
    const first = makeDocument(alice, { path: '/one', changes: 1 });
    assert.equal((await node.post('PublishBlobs', publishBody(first.all))).status, 200);
  });
  after(() => node.stop());

  it('an unchanged poll answers 304 without a query; a write makes it 200 again', async () => {
    const params = { pageSize: '10' };
    const first = await node.get('ListEvents', params);
    const etag = first.headers.get('etag');
    assert.ok(etag, 'ETag header');
    const reads = await readsOf('index.listEvents');
    const again = await node.get('ListEvents', params, { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    assert.equal(await readsOf('index.listEvents'), reads, 'the 304 ran no read');
    assert.equal(await notModifiedOf('ListEvents'), 1);
    // Another URL does not match the tag.
    const other = await node.get('ListEvents', { pageSize: '11' }, { 'if-none-match': etag });
    assert.equal(other.status, 200);

    const next = makeDocument(alice, { path: '/two', changes: 1 });
    assert.equal((await node.post('PublishBlobs', publishBody(next.all))).status, 200);
    const moved = await node.get('ListEvents', params, { 'if-none-match': etag });
    assert.equal(moved.status, 200);
    assert.notEqual(moved.headers.get('etag'), etag);
  });

  it('a card untouched by writes elsewhere stays 304 by its body; a change to it answers 200', async () => {
    const params = { id: `hm://${alice.accountId}/one` };
    const first = await node.get('ResourceMetadata', params);
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag')!;
    // A write elsewhere moves the generation: the card is rendered again, and its body is the same.
    const other = makeDocument(alice, { path: '/elsewhere', changes: 1 });
    assert.equal((await node.post('PublishBlobs', publishBody(other.all))).status, 200);
    const byBody = await node.get('ResourceMetadata', params, { 'if-none-match': etag });
    assert.equal(byBody.status, 304);
    assert.equal(byBody.text, '');
    const renewed = byBody.headers.get('etag')!;
    assert.notEqual(renewed, etag, 'the new tag names the new generation');
    assert.equal(await notModifiedOf('ResourceMetadata', 'body'), 1);
    // The renewed tag is fresh by generation: no render at all.
    const byGeneration = await node.get('ResourceMetadata', params, { 'if-none-match': renewed });
    assert.equal(byGeneration.status, 304);
    assert.equal(await notModifiedOf('ResourceMetadata', 'generation'), 1);
    // A new version of the card itself: 200 with the new body.
    const renamed = makeDocument(alice, {
      path: '/one',
      changes: 1,
      title: 'Renamed',
      ts: BASE_TS + 86_400_000,
    });
    assert.equal((await node.post('PublishBlobs', publishBody(renamed.all))).status, 200);
    const changed = await node.get('ResourceMetadata', params, { 'if-none-match': renewed });
    assert.equal(changed.status, 200);
    assert.match(changed.text, /Renamed/);
  });

  it('SSE pushes each new event once to every connected client, from one shared poller', async () => {
    const streams = [await openStream(), await openStream()];
    assert.equal(await metricSum('seedling_api_sse_clients'), 2);
    const pollsBefore = await metricSum('seedling_api_sse_polls_total');

    const doc = makeDocument(alice, { path: '/three', changes: 1 });
    assert.equal((await node.post('PublishBlobs', publishBody(doc.all))).status, 200);
    const refCid = doc.ref.cid.toString();
    const newCids = doc.all.map((b) => b.cid.toString());
    for (const stream of streams) {
      const pushed = await stream.until(refCid);
      assert.ok(pushed.includes(refCid), `pushed ${pushed.join(', ')}`);
      // Only events after connecting, each once: the earlier documents are not replayed.
      assert.equal(new Set(pushed).size, pushed.length);
      assert.ok(
        pushed.every((cid) => newCids.includes(cid)),
        'nothing from before connecting',
      );
    }
    // One commit, one feed read for both clients (not one per client).
    assert.equal((await metricSum('seedling_api_sse_polls_total')) - pollsBefore, 1);
    for (const stream of streams) stream.close();
  });

  it('/metrics carries request latency per key; /debug is a page', async () => {
    const metrics = await request(`${node.url}/metrics`);
    assert.match(metrics.text, /seedling_api_request_duration_seconds_count\{key="ListEvents"/);
    const debug = await request(`${node.url}/debug`);
    assert.equal(debug.status, 200);
    assert.match(debug.text, /<title>Seedling debug<\/title>/);
    // The operation tracker attributes database work to API operations.
    assert.match(debug.text, /<td>api\.(ListEvents|PublishBlobs)<\/td>/);
  });
});

describe('overload', () => {
  let full: TestNode;
  before(async () => {
    // A queue of size 0: every interactive write is refused at once, as a full queue would be.
    full = await startTestNode({ store: { interactiveMax: 0 } });
  });
  after(() => full.stop());

  it('a full interactive queue → 503 with Retry-After and nothing stored', async () => {
    const doc = makeDocument(alice, { path: '/shed', changes: 1 });
    const res = await full.post('PublishBlobs', publishBody(doc.all));
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.match((res.body as { error: string }).error, /full/);
    const events = await full.get('ListEvents', {});
    assert.deepEqual((events.body as { events: unknown[] }).events, []);
  });
});

/** An SSE client: `until(cid)` reads frames until one carries `cid`, returning the pushed CIDs. */
async function openStream() {
  const controller = new AbortController();
  const res = await fetch(`${node.url}/api/events`, { signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(': connected')) text += decoder.decode((await reader.read()).value);
  return {
    async until(cid: string): Promise<string[]> {
      const deadline = Date.now() + 5_000;
      while (!text.includes(cid) && Date.now() < deadline) {
        text += decoder.decode((await reader.read()).value);
      }
      return text
        .split('\n\n')
        .filter((f) => f.includes('event: event'))
        .map((f) => {
          const data = f
            .split('\n')
            .find((l) => l.startsWith('data: '))!
            .slice(6);
          return (superjson.parse(data) as { newBlob: { cid: string } }).newBlob.cid;
        });
    },
    close: () => controller.abort(),
  };
}

async function metricSum(name: string): Promise<number> {
  const metric = node.registry.getSingleMetric(name);
  const { values } = await metric!.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** Reads the reader pool ran for a handler (READERS' counter, read in-process). */
async function readsOf(handler: string): Promise<number> {
  const metric = node.registry.getSingleMetric('seedling_reader_tasks_total');
  assert.ok(metric, 'reader pool metrics are registered');
  const { values } = await metric.get();
  return values.filter((v) => v.labels.handler === handler).reduce((sum, v) => sum + v.value, 0);
}

async function notModifiedOf(key: string, by?: 'generation' | 'body'): Promise<number> {
  const metric = node.registry.getSingleMetric('seedling_api_not_modified_total');
  const { values } = await metric!.get();
  return values
    .filter((v) => v.labels.key === key && (by === undefined || v.labels.by === by))
    .reduce((sum, v) => sum + v.value, 0);
}
