import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { Registry } from 'prom-client';
import type { SiteConfig } from '../../src/net/domain-check.ts';
import { DomainChecker } from '../../src/net/domain-checker.ts';
import type { DomainRow } from '../../src/net/domains-table.ts';
import { netStoreExtension } from '../../src/net/index.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { testKey } from '../fixtures/blob-factory.ts';
import { startSiteServer } from './site-server.ts';

const alice = testKey('alice');

describe('DomainChecker (real store, real HTTP server on 127.0.0.1)', () => {
  let dir: string;
  let store: Store;
  let site: Awaited<ReturnType<typeof startSiteServer>>;
  let peerId = '';

  before(async () => {
    peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
    dir = mkdtempSync(join(tmpdir(), 'seedling-domains-'));
    store = await openStore(
      { registry: new Registry() },
      { path: join(dir, 'db'), extensions: [netStoreExtension], readerThreads: 1 },
    );
    site = await startSiteServer([
      {
        status: 200,
        body: { peerId, addrs: ['/ip4/127.0.0.1/tcp/4001'], registeredAccountUid: alice.accountId },
      },
    ]);
  });
  after(async () => {
    await store.close();
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shares one check among concurrent callers, records it, and names the site to onSite', async () => {
    const sites: [string, SiteConfig][] = [];
    const checker = new DomainChecker(
      { store, registry: new Registry(), onSite: (a, c) => sites.push([a, c]) },
      { scheme: 'http', recheckFirstMs: 0 },
    );
    site.seen.length = 0;
    const [a, b] = await Promise.all([checker.check(site.domain), checker.check(site.domain)]);
    assert.equal(site.seen.length, 1, 'one request for two callers');
    assert.deepEqual(a, b);
    assert.equal(a.status, 'success');
    assert.deepEqual(
      sites.map(([account, c]) => [account, c.peerId]),
      [[alice.accountId, peerId]],
    );
    const recorded = await store.read<DomainRow | null>({
      op: 'test',
      handler: 'net.getDomain',
      args: { domain: site.domain },
    });
    assert.equal(recorded?.config?.registeredAccountUid, alice.accountId);
    await checker.stop();
  });

  it('at start tells onSite what the table knows, then re-checks every known domain', async () => {
    const sites: string[] = [];
    const checker = new DomainChecker(
      { store, registry: new Registry(), onSite: (a) => sites.push(a) },
      { scheme: 'http', recheckFirstMs: 20, recheckMs: 60_000 },
    );
    site.seen.length = 0;
    await checker.start();
    assert.deepEqual(sites, [alice.accountId], 'known from the table, before any request');
    const deadline = Date.now() + 5_000;
    while (site.seen.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(site.seen.length, 1, 'the background loop checked the known domain');
    await checker.stop();
  });
});
