import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeDocument, testKey } from '../fixtures/blob-factory.ts';
import { publishBody, startTestNode, type TestNode } from './helpers.ts';

/** The out-of-order backlog is visible on /metrics, and drains when the missing blob arrives. */
describe('index metrics', () => {
  const alice = testKey('metrics-alice');
  const doc = makeDocument(alice, { genesis: 'cli', path: '/m', changes: 2 });
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => node?.stop());

  async function gauge(name: string): Promise<number> {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    assert.ok(line, `${name} is exported`);
    return Number(line.split(' ')[1]);
  }

  it('counts a change that arrived before its parent, then zero once the parent comes', async () => {
    const last = doc.changes.at(-1)!;
    assert.equal((await node.post('PublishBlobs', publishBody([last]))).status, 200);
    assert.equal(await gauge('seedling_index_pending_blobs'), 1);
    assert.equal(await gauge('seedling_index_missing_cids'), 1);
    assert.equal((await node.post('PublishBlobs', publishBody(doc.all))).status, 200);
    assert.equal(await gauge('seedling_index_pending_blobs'), 0);
    assert.equal(await gauge('seedling_index_documents'), 1);
  });
});
