import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { InvalidInputError } from '../../src/errors.ts';
import { checkDomainName, fetchSiteConfig, parseSiteConfig } from '../../src/net/domain-check.ts';
import { testKey } from '../fixtures/blob-factory.ts';
import { startSiteServer } from './site-server.ts';

const alice = testKey('alice');
let peerId = '';
const addr = '/ip4/127.0.0.1/tcp/4001';
const config = () => ({ peerId, addrs: [addr], registeredAccountUid: alice.accountId });
const fast = { scheme: 'http' as const, timeoutMs: 300, retryMs: 10 };

before(async () => {
  peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
});

describe('site config', () => {
  it('reads peerId, addrs, the registered account and isGateway; checks each', () => {
    assert.deepEqual(parseSiteConfig({ ...config(), extra: 1 }), {
      peerId,
      addrs: [addr],
      registeredAccountUid: alice.accountId,
      isGateway: false,
    });
    assert.equal(parseSiteConfig({ peerId, addrs: [], isGateway: true }).isGateway, true);
    assert.equal(parseSiteConfig({ peerId, addrs: [] }).registeredAccountUid, null);
    const bad: [unknown, RegExp][] = [
      [null, /not a JSON object/],
      [{ addrs: [] }, /peerId: missing/],
      [{ peerId: 'nope', addrs: [] }, /peerId: "nope" is not a peer ID/],
      [{ peerId, addrs: 'x' }, /addrs: must be an array/],
      [{ peerId, addrs: ['not/a/multiaddr'] }, /addrs\[0\]: not a multiaddr/],
      [
        { peerId, addrs: [], registeredAccountUid: 'zNope' },
        /registeredAccountUid: .* is not an account ID/,
      ],
    ];
    for (const [body, message] of bad) assert.throws(() => parseSiteConfig(body), message);
  });

  it('takes a host name with an optional port, nothing else', () => {
    for (const ok of ['example.com', 'sub.example.com:8443', '127.0.0.1:3000', 'localhost']) {
      assert.equal(checkDomainName(ok), ok);
    }
    for (const bad of ['', 'https://example.com', 'example.com/path', 'a b', 'example..com', 7]) {
      assert.throws(
        () => checkDomainName(bad),
        (err) => err instanceof InvalidInputError && err.field === 'domain',
        String(bad),
      );
    }
  });
});

describe('fetchSiteConfig (a real HTTP server on 127.0.0.1)', () => {
  let site: Awaited<ReturnType<typeof startSiteServer>>;
  before(async () => {
    site = await startSiteServer([{ status: 200, body: {} }]);
  });
  after(() => site.close());

  it('asks /hm/api/config and answers the config', async () => {
    site.set([{ status: 200, body: config() }]);
    site.seen.length = 0;
    const out = await fetchSiteConfig(site.domain, fast);
    assert.deepEqual(out, { status: 'success', config: { ...config(), isGateway: false } });
    assert.deepEqual(site.seen, ['/hm/api/config']);
  });

  it('retries 5xx and succeeds; gives up as unreachable after every attempt', async () => {
    site.set([{ status: 503 }, { status: 502 }, { status: 200, body: config() }]);
    site.seen.length = 0;
    assert.equal((await fetchSiteConfig(site.domain, fast)).status, 'success');
    assert.equal(site.seen.length, 3);
    site.set([{ status: 500 }]);
    site.seen.length = 0;
    const out = await fetchSiteConfig(site.domain, fast);
    assert.deepEqual(out, {
      status: 'unreachable',
      error: 'failed after 3 attempts: config endpoint returned status 500',
    });
    assert.equal(site.seen.length, 3);
  });

  it('a 4xx or a bad body is an error at once (no retry)', async () => {
    site.set([{ status: 404 }]);
    site.seen.length = 0;
    assert.deepEqual(await fetchSiteConfig(site.domain, fast), {
      status: 'error',
      error: 'config endpoint returned status 404',
    });
    assert.equal(site.seen.length, 1);
    site.set([{ status: 200, body: 'not json' }]);
    const garbled = await fetchSiteConfig(site.domain, fast);
    assert.equal(garbled.status, 'error');
    assert.match((garbled as { error: string }).error, /^failed to decode response/);
    site.set([{ status: 200, body: { peerId: 'nope', addrs: [] } }]);
    assert.match(
      ((await fetchSiteConfig(site.domain, fast)) as { error: string }).error,
      /peerId: "nope" is not a peer ID/,
    );
  });

  it('a server that never answers, or no server at all, is unreachable', async () => {
    site.set(['hang']);
    const hung = await fetchSiteConfig(site.domain, { ...fast, timeoutMs: 100, attempts: 2 });
    assert.equal(hung.status, 'unreachable');
    const closed = await startSiteServer([{ status: 200 }]);
    await closed.close();
    const refused = await fetchSiteConfig(closed.domain, { ...fast, attempts: 1 });
    assert.equal(refused.status, 'unreachable');
    assert.match((refused as { error: string }).error, /failed to fetch config/);
  });
});
