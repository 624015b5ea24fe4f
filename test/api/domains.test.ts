import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { metricValue } from '../../src/obs/metrics.ts';
import { makeDocument, makeHomeWithSite, testKey } from '../fixtures/blob-factory.ts';
import { startSiteServer } from '../net/site-server.ts';
import { assertMatchesOutput, publishBody, startTestNode, type TestNode } from './helpers.ts';

const alice = testKey('alice');
const bob = testKey('bob');

describe('GetDomain and ListDomains', () => {
  let node: TestNode;
  let site: Awaited<ReturnType<typeof startSiteServer>>;
  let peerId = '';
  const config = () => ({
    peerId,
    addrs: ['/ip4/127.0.0.1/tcp/4001'],
    registeredAccountUid: alice.accountId,
  });

  before(async () => {
    peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
    site = await startSiteServer([{ status: 200, body: {} }]);
    node = await startTestNode({
      domains: { scheme: 'http', retryMs: 10, timeoutMs: 500, recheckFirstMs: 0 },
    });
  });
  after(async () => {
    await node.stop();
    await site.close();
  });

  const get = async (params: Record<string, string>, status = 200) => {
    const res = await node.get('GetDomain', params);
    assert.equal(res.status, status, res.text);
    if (status === 200) assertMatchesOutput('GetDomain', res.body);
    return res.body as Record<string, unknown>;
  };

  it('a forced check asks the site, records the answer, and later reads return it', async () => {
    site.set([{ status: 200, body: { ...config(), isGateway: true } }]);
    const checked = await get({ domain: site.domain, forceCheck: 'true' });
    assert.deepEqual(
      [checked.status, checked.registeredAccountUid, checked.peerId, checked.isGateway],
      ['success', alice.accountId, peerId, true],
    );
    assert.equal(checked.lastError, null);
    assert.equal(typeof checked.lastCheck, 'string');
    assert.equal(checked.lastSuccess, checked.lastCheck);
    const read = await get({ domain: site.domain });
    assert.deepEqual(read, checked, 'recorded as it was answered');
    const listed = await node.get('ListDomains');
    assertMatchesOutput('ListDomains', listed.body);
    assert.deepEqual((listed.body as { domains: unknown[] }).domains, [checked]);
    assert.equal(
      await metricValue(node.registry, 'seedling_domain_checks_total', { status: 'success' }),
      1,
    );
  });

  it('a failed check keeps the last success on record, but a forced answer does not show it', async () => {
    site.set([{ status: 503 }]);
    const forced = await get({ domain: site.domain, forceCheck: 'true' });
    assert.equal(forced.status, 'unreachable');
    assert.match(String(forced.lastError), /failed after 3 attempts: .*status 503/);
    assert.equal(forced.registeredAccountUid, null);
    assert.notEqual(forced.lastSuccess, null, 'the last success time stays');
    const read = await get({ domain: site.domain });
    assert.equal(read.status, 'unreachable');
    assert.equal(read.registeredAccountUid, alice.accountId, 'known by its last answer');
    assert.equal(read.peerId, peerId);
  });

  it('an unknown domain is 404, unless a home document names it as its site', async () => {
    const res = await node.get('GetDomain', { domain: 'nowhere.example' });
    assert.equal(res.status, 404);
    assert.match(res.text, /domain not found: nowhere\.example/);
    const published = await node.post(
      'PublishBlobs',
      publishBody(makeHomeWithSite(bob, 'Bob', 'https://bob.example')),
    );
    assert.equal(published.status, 200, published.text);
    const known = await get({ domain: 'bob.example' });
    assert.deepEqual(
      [known.status, known.registeredAccountUid, known.lastCheck, known.peerId],
      ['success', bob.accountId, null, null],
    );
  });

  it('refuses a domain with a scheme or a path', async () => {
    for (const domain of ['https://bob.example', 'bob.example/x', '']) {
      const res = await node.get('GetDomain', { domain });
      assert.equal(res.status, 400, domain);
      assert.match(res.text, /domain: must be a host name/);
    }
  });
});

describe('a checked domain names the site server sync asks first', () => {
  const P2P = { listen: ['/ip4/127.0.0.1/tcp/0'] };
  const carol = testKey('domains-carol');
  const doc = makeDocument(carol, {
    genesis: 'cli',
    path: '/post',
    title: 'On my site',
    changes: 1,
  });
  let a: TestNode;
  let b: TestNode;
  let site: Awaited<ReturnType<typeof startSiteServer>>;

  before(async () => {
    a = await startTestNode({ p2p: P2P });
    assert.equal((await a.post('PublishBlobs', publishBody(doc.all))).status, 200);
    const [addr] = a.net!.multiaddrs().map((m) => m.toString().replace(/\/p2p\/.*$/, ''));
    site = await startSiteServer([
      {
        status: 200,
        body: {
          peerId: a.net!.libp2p.peerId.toString(),
          addrs: [addr],
          registeredAccountUid: carol.accountId,
        },
      },
    ]);
    // B knows no peer at all: no bootstrap, no configured site.
    b = await startTestNode({
      p2p: P2P,
      domains: { scheme: 'http', retryMs: 10, timeoutMs: 500, recheckFirstMs: 0 },
    });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
    await site?.close();
  });

  it('after GetDomain checks the site, discovery finds the space through its server', async () => {
    const checked = await b.get('GetDomain', { domain: site.domain, forceCheck: 'true' });
    assert.equal((checked.body as { status: string }).status, 'success', checked.text);
    const started = await b.post('Discover', { id: `hm://${carol.accountId}/post` });
    assert.equal(started.status, 200, started.text);
    let status: { state: string; version?: string } = { state: 'pending' };
    const deadline = Date.now() + 15_000;
    while (status.state === 'pending' && Date.now() < deadline) {
      status = (await b.get('DiscoveryStatus', { uid: carol.accountId, path: 'post' }))
        .body as typeof status;
      if (status.state === 'pending') await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(status, { state: 'found', version: doc.version });
  });
});

describe('sites named by home documents are checked in the background', () => {
  let node: TestNode;
  let site: Awaited<ReturnType<typeof startSiteServer>>;
  const erin = testKey('domains-erin');

  before(async () => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
    site = await startSiteServer([
      {
        status: 200,
        body: { peerId, addrs: ['/ip4/127.0.0.1/tcp/4001'], registeredAccountUid: erin.accountId },
      },
    ]);
    node = await startTestNode({
      domains: { scheme: 'http', retryMs: 10, timeoutMs: 500, recheckFirstMs: 500 },
    });
  });
  after(async () => {
    await node?.stop();
    await site?.close();
  });

  it("a home's siteUrl never checked is checked by the next round, and recorded", async () => {
    const home = makeHomeWithSite(erin, 'Erin', `http://${site.domain}`);
    assert.equal((await node.post('PublishBlobs', publishBody(home))).status, 200);
    let domains: { domain: string; status: string; registeredAccountUid: string | null }[] = [];
    const deadline = Date.now() + 5_000;
    while (domains.length === 0 && Date.now() < deadline) {
      domains = ((await node.get('ListDomains')).body as { domains: typeof domains }).domains;
      if (domains.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(
      domains.map((d) => [d.domain, d.status, d.registeredAccountUid]),
      [[site.domain, 'success', erin.accountId]],
    );
  });
});
