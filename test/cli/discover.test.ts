import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishBody, startTestNode, type TestNode } from '../api/helpers.ts';
import { makeDocument, testKey } from '../fixtures/blob-factory.ts';
import { cli } from './run-cli.ts';

/**
 * `seedling discover` and `seedling subscribe` against two real nodes on 127.0.0.1: A holds a
 * space, B knows A as the space's site server and finds or follows A's documents through it.
 */

const alice = testKey('cli-discover-alice');
const first = makeDocument(alice, { genesis: 'cli', path: '/first', title: 'First', changes: 1 });
const second = makeDocument(alice, {
  genesis: 'cli',
  path: '/second',
  title: 'Second',
  changes: 1,
});
const P2P = { listen: ['/ip4/127.0.0.1/tcp/0'] };

describe('seedling discover / subscribe', () => {
  let a: TestNode;
  let b: TestNode;

  before(async () => {
    a = await startTestNode({ p2p: P2P });
    const published = await a.post('PublishBlobs', publishBody([...first.all, ...second.all]));
    assert.equal(published.status, 200, published.text);
    const site = a.net!.multiaddrs()[0]!.toString();
    b = await startTestNode({ p2p: P2P, sync: { sites: { [alice.accountId]: site } } });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('discover finds a document from the site server and exits 0 with its version', async () => {
    const run = await cli('discover', `hm://${alice.accountId}/first`, '--server', b.url);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /done/);
    assert.match(run.stdout, new RegExp(`version ${first.version}`));
    const meta = await b.get('ResourceMetadata', { id: `hm://${alice.accountId}/first` });
    assert.equal((meta.body as { metadata: { name: string } }).metadata.name, 'First');
  });

  it('discover fails clearly for a bad ID', async () => {
    const run = await cli('discover', 'not-an-id', '--server', b.url);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /hm:\/\//);
  });

  it('subscribe follows a whole space: listed, and its documents arrive in the background', async () => {
    const run = await cli('subscribe', `hm://${alice.accountId}`, '--server', b.url);
    assert.equal(run.code, 0, run.stderr);
    const list = await cli('subscribe', '--list', '--server', b.url);
    assert.match(list.stdout, new RegExp(`hm://${alice.accountId}\\s+subtree`));
    const deadline = Date.now() + 15_000;
    let name: string | undefined;
    while (Date.now() < deadline) {
      const meta = await b.get('ResourceMetadata', { id: `hm://${alice.accountId}/second` });
      name = (meta.body as { metadata?: { name?: string } }).metadata?.name;
      if (name !== undefined) break;
      await sleep(100);
    }
    assert.equal(name, 'Second', 'the subscribed space was synced');
    const removed = await cli(
      'subscribe',
      '--remove',
      `hm://${alice.accountId}`,
      '--server',
      b.url,
    );
    assert.equal(removed.code, 0, removed.stderr);
    assert.doesNotMatch((await cli('subscribe', '--list', '--server', b.url)).stdout, /hm:/);
  });
});
