import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeDocument, testKey } from '../fixtures/blob-factory.ts';
import { assertMatchesOutput, publishBody, startTestNode, type TestNode } from './helpers.ts';

/**
 * Discovery through the API between two real nodes on 127.0.0.1: B knows A only as a bootstrap
 * peer, asks for a document that only A has, and reads it once DiscoveryStatus says `found`.
 */

const alice = testKey('alice');
const doc = makeDocument(alice, { genesis: 'cli', path: '/far', title: 'Far away', changes: 1 });
const P2P = { listen: ['/ip4/127.0.0.1/tcp/0'] };

let a: TestNode;
let b: TestNode;

describe('discovery over the API', () => {
  before(async () => {
    a = await startTestNode({ p2p: P2P });
    assert.equal((await a.post('PublishBlobs', publishBody(doc.all))).status, 200);
    const bootstrap = a.net!.multiaddrs()[0]!.toString();
    b = await startTestNode({ p2p: { ...P2P, bootstrap: [bootstrap] } });
    const deadline = Date.now() + 10_000;
    while (b.net!.libp2p.getConnections().length === 0 && Date.now() < deadline) await sleep(50);
    assert.ok(b.net!.libp2p.getConnections().length > 0, 'B dialed its bootstrap peer');
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('finds a document only a peer has; progress streams on /api/Discover/events', async () => {
    const id = `hm://${alice.accountId}/far`;
    const before = await b.get('Resource', { id });
    assert.equal((before.body as { type: string }).type, 'not-found');

    const controller = new AbortController();
    const events = await fetch(`${b.url}/api/Discover/events`, { signal: controller.signal });
    assert.equal(events.status, 200);
    const reader = events.body!.getReader();

    const started = await b.post('Discover', { id });
    assert.equal(started.status, 200, started.text);
    assert.equal((started.body as { account: string }).account, alice.accountId);

    let status: { state: string; version?: string } = { state: 'pending' };
    const deadline = Date.now() + 15_000;
    while (status.state === 'pending' && Date.now() < deadline) {
      const res = await b.get('DiscoveryStatus', { uid: alice.accountId, path: 'far' });
      assertMatchesOutput('DiscoveryStatus', res.body);
      status = res.body as typeof status;
      if (status.state === 'pending') await sleep(100);
    }
    assert.deepEqual(status, { state: 'found', version: doc.version });

    const after = (await b.get('Resource', { id })).body as {
      document: { metadata: { name: string }; version: string };
    };
    assert.equal(after.document.metadata.name, 'Far away');
    assert.equal(after.document.version, doc.version);

    let text = '';
    while (!text.includes('event: progress')) {
      text += new TextDecoder().decode((await reader.read()).value);
    }
    controller.abort();
    assert.match(text, /"account":"z6Mk/);
  });
});

describe('discovery without p2p', () => {
  let offline: TestNode;
  before(async () => {
    offline = await startTestNode();
  });
  after(() => offline.stop());

  it('Discover answers 503; DiscoveryStatus answers failed from local data', async () => {
    const res = await offline.post('Discover', { id: `hm://${alice.accountId}/far` });
    assert.equal(res.status, 503);
    assert.match((res.body as { error: string }).error, /without p2p/);
    const status = await offline.get('DiscoveryStatus', { uid: alice.accountId, path: 'far' });
    assertMatchesOutput('DiscoveryStatus', status.body);
    assert.equal((status.body as { state: string }).state, 'failed');
  });
});
