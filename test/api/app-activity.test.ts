import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { metricValue } from '../../src/obs/metrics.ts';
import { startTestNode, type TestNode } from './helpers.ts';

/**
 * Any API request marks the app active, even one answered without the reader pool (a point
 * lookup, a discovery status): sync's bulk reads then keep to their own lower-priority threads
 * instead of the app's (reader-pool.ts, invariant 4).
 */
describe('app activity seen by the reader pool', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => node?.stop());

  const bulkOn = async (threads: string) =>
    (await metricValue(node.registry, 'seedling_reader_bulk_tasks_total', { threads })) ?? 0;
  const bulkRead = () =>
    node.store.read<number>({ op: 'test', handler: 'store.countBlobs', args: {}, lane: 'bulk' });

  it('bulk reads use the app threads while no request came, their own right after one', async () => {
    await new Promise((r) => setTimeout(r, 300)); // past the idle time after startup
    await bulkRead();
    assert.equal(await bulkOn('app'), 1, 'no request yet: the app threads are borrowed');
    // ResourceMetadata is a main-thread point lookup: it never touches the pool itself.
    const answer = await node.get('ResourceMetadata', { id: 'hm://z6MkNoSuchAccount/none' });
    assert.ok(answer.status >= 200, 'the request was answered');
    await bulkRead();
    assert.equal(await bulkOn('bulk'), 1, 'after a request, bulk keeps to its own threads');
  });
});
