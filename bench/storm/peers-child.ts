/**
 * The storm's peers, all in ONE child process so the app node's process measures only itself:
 * P lightweight but real libp2p nodes (TCP + Noise + Yamux, the Seedling sync protocol), each the
 * site server of its own space. They answer reconciles from in-memory sealed sets per scope
 * (site-scopes.ts) and fetches from a Map — no database, no sync engine (the pattern of
 * test/sync/hostile-sync.test.ts `scriptedPeer`).
 *
 * Usage (spawned by bench/storm.ts): node bench/storm/peers-child.ts <peers> <docs> <changes>
 * Prints ONE JSON line on stdout when every peer listens ({@link PeersReady}), then serves until
 * SIGTERM or until stdin closes (the parent died).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { Registry } from 'prom-client';
import { createSeedlingNode, type SeedlingNode } from '../../src/net/node.ts';
import { respond } from '../../src/sync/rbsr/reconcile.ts';
import { testKey } from '../../test/fixtures/blob-factory.ts';
import { makeSite } from '../../test/sync/site.ts';
import { SiteScopes } from './site-scopes.ts';

export type PeerInfo = {
  account: string;
  addr: string;
  blobs: number;
  /** Home document version the site serves. */
  homeVersion: string;
};
export type PeersReady = { peers: PeerInfo[]; cids: string[]; setupMs: number };

const COMMENTER = 'storm-commenter';

async function startPeer(index: number, docs: number, changes: number, dir: string) {
  const owner = testKey(`storm-site-${index}`);
  const site = makeSite(owner, testKey(COMMENTER), { docs, changes });
  const scopes = new SiteScopes(owner.accountId, site.blobs);
  const byCid = new Map(site.blobs.map((b) => [b.cid.toString(), b.data]));
  const node: SeedlingNode = await createSeedlingNode(
    {
      registry: new Registry(),
      handlers: {
        onReconcile: async (_peer, scope, rbsr) => respond(scopes.set(scope), rbsr),
        onFetch: async (_peer, cids: CID[]) =>
          cids.flatMap((cid) => {
            const data = byCid.get(cid.toString());
            return data ? [{ cid, data }] : [];
          }),
        onAnnounce: () => {},
      },
    },
    { dataDir: join(dir, `peer-${index}`) },
  );
  const info: PeerInfo = {
    account: owner.accountId,
    addr: node.multiaddrs()[0]!.toString(),
    blobs: site.blobs.length,
    homeVersion: site.home.version,
  };
  return { node, info, cids: site.blobs.map((b) => b.cid.toString()) };
}

async function main(): Promise<void> {
  const [peers, docs, changes] = process.argv.slice(2).map(Number);
  if (!peers || !docs || !changes)
    throw new Error('usage: peers-child.ts <peers> <docs> <changes>');
  const start = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'seedling-storm-peers-'));
  const started: Awaited<ReturnType<typeof startPeer>>[] = [];
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled(started.map((p) => p.node.stop()));
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  for (let i = 0; i < peers; i++) started.push(await startPeer(i, docs, changes, dir));
  const ready: PeersReady = {
    peers: started.map((p) => p.info),
    cids: started.flatMap((p) => p.cids),
    setupMs: Math.round(performance.now() - start),
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

main().catch((err) => {
  process.stderr.write(`storm peers: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
