/**
 * The storm's peers, all in ONE child process so the app node's process measures only itself:
 * P lightweight but real libp2p nodes (TCP + Noise + Yamux, the Seedling sync protocol), each the
 * site server of its own space. They answer reconciles from in-memory sealed sets per scope
 * (site-scopes.ts) and fetches from a Map — no database, no sync engine (the pattern of
 * test/sync/hostile-sync.test.ts `scriptedPeer`).
 *
 * Usage (spawned by bench/storm/peers.ts): node bench/storm/peers-child.ts <peers> <docs> <changes> [trickleMs]
 * Prints ONE JSON line on stdout when every peer listens ({@link PeersReady}), then serves until
 * SIGTERM or until stdin closes (the parent died).
 *
 * With `trickleMs` > 0 (bench/soak.ts) the sites keep growing: every trickleMs one peer, in turn,
 * publishes a new post (`changes` Changes, a Ref, a comment) under /posts. The line `freeze` on
 * stdin stops the trickle and answers one JSON line {@link Frozen}: every CID the peers now serve;
 * the line `latest` answers {@link Latest}. Each new post is announced to the peers' connections.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Registry } from 'prom-client';
import { bytesKey } from '../../src/blob/bytes-key.ts';
import { cidText } from '../../src/blob/cid-bytes.ts';
import type { KeyPair } from '../../src/blob/keys.ts';
import { createSeedlingNode, type SeedlingNode } from '../../src/net/node.ts';
import { respond } from '../../src/sync/rbsr/reconcile.ts';
import { makeComment, makeDocument, testKey } from '../../test/fixtures/blob-factory.ts';
import { makeSite, type SiteBlob } from '../../test/sync/site.ts';
import { SiteScopes } from './site-scopes.ts';

export type PeerInfo = {
  account: string;
  addr: string;
  blobs: number;
  /** Home document version the site serves. */
  homeVersion: string;
};
export type PeersReady = { peers: PeerInfo[]; cids: string[]; setupMs: number };
/** The answer to `freeze`: every CID served once the trickle stopped, and the posts it added. */
export type Frozen = { cids: string[]; posts: number };
/** The answer to `latest`: the newest post's CIDs and when it was made (epoch ms); null before any. */
export type Latest = { cids: string[]; at: number } | null;

const COMMENTER = 'storm-commenter';

async function startPeer(index: number, docs: number, changes: number, dir: string) {
  const owner = testKey(`storm-site-${index}`);
  const site = makeSite(owner, testKey(COMMENTER), { docs, changes });
  const scopes = new SiteScopes(owner.accountId, site.blobs);
  const byCid = new Map(site.blobs.map((b) => [bytesKey(b.cid.bytes), b.data]));
  const node: SeedlingNode = await createSeedlingNode(
    {
      registry: new Registry(),
      handlers: {
        onReconcile: async (_peer, scope, rbsr) => respond(scopes.set(scope), rbsr),
        onFetch: async (_peer, cids) =>
          cids.flatMap((cid) => {
            const data = byCid.get(bytesKey(cid));
            return data ? [{ cid, data }] : [];
          }),
        onAnnounce: () => {},
      },
    },
    { dataDir: join(dir, `peer-${index}`) },
  );
  const commenter = testKey(COMMENTER);
  /** The trickle's step: one new post with its comment, served from now on. */
  const grow = (n: number): SiteBlob[] => {
    const post = newPost(owner, commenter, `/posts/s${n}`, changes);
    for (const b of post) byCid.set(bytesKey(b.cid.bytes), b.data);
    scopes.add(post);
    // As a real site server would, tell the peers that follow the space (here: every connection).
    const cids = post.map((b) => b.cid.bytes);
    for (const conn of node.libp2p.getConnections()) {
      node.protocol.announce(conn.remotePeer, cids).catch(() => {});
    }
    return post;
  };
  const info: PeerInfo = {
    account: owner.accountId,
    addr: node.multiaddrs()[0]!.toString(),
    blobs: site.blobs.length,
    homeVersion: site.home.version,
  };
  return {
    node,
    info,
    grow,
    cids: () => [...byCid.keys()].map((k) => cidText(Buffer.from(k, 'latin1'))),
  };
}

/** A post made now: its timestamps end a second in the past, so no blob is from the future. */
function newPost(owner: KeyPair, commenter: KeyPair, path: string, changes: number): SiteBlob[] {
  const ts = Date.now() - (changes + 2) * 1000;
  const doc = makeDocument(owner, { genesis: 'cli', changes, path, title: `Soak ${path}`, ts });
  const comment = makeComment(
    commenter,
    { space: owner.principal, path, version: doc.ref.blob.heads },
    { text: `Comment on ${path}`, ts: ts + changes * 1000 + 600 },
  );
  return [...doc.all, comment];
}

async function main(): Promise<void> {
  const [peers, docs, changes, trickleMs = 0] = process.argv.slice(2).map(Number);
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
  let trickle: NodeJS.Timeout | undefined;
  let added = 0;
  process.stdin.on('end', () => void stop());
  let latest: Latest = null;
  createInterface({ input: process.stdin }).on('line', (line) => {
    const command = line.trim();
    if (command === 'latest') process.stdout.write(`${JSON.stringify(latest)}\n`);
    if (command !== 'freeze') return;
    clearInterval(trickle);
    const frozen: Frozen = { cids: started.flatMap((p) => p.cids()), posts: added };
    process.stdout.write(`${JSON.stringify(frozen)}\n`);
  });
  for (let i = 0; i < peers; i++) started.push(await startPeer(i, docs, changes, dir));
  const ready: PeersReady = {
    peers: started.map((p) => p.info),
    cids: started.flatMap((p) => p.cids()),
    setupMs: Math.round(performance.now() - start),
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  if (trickleMs > 0) {
    trickle = setInterval(() => {
      const post = started[added % started.length]!.grow(added);
      latest = { cids: post.map((b) => b.cid.toString()), at: Date.now() };
      added++;
    }, trickleMs);
  }
}

main().catch((err) => {
  process.stderr.write(`storm peers: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
