import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { multiaddr } from '@multiformats/multiaddr';
import { CID } from 'multiformats/cid';
import { Registry } from 'prom-client';
import { metricSum } from '../../bench/storm/node-probes.ts';
import { CODEC, cidForBytes } from '../../src/blob/cid.ts';
import { decodeStructuralBlob } from '../../src/blob/decode-blob.ts';
import { PeerTimeoutError, ProtocolError } from '../../src/errors.ts';
import { createSeedlingNode, type SeedlingNode } from '../../src/net/node.ts';
import { respond } from '../../src/sync/rbsr/reconcile.ts';
import { SealedSet } from '../../src/sync/rbsr/sealed-set.ts';
import { testKey } from '../fixtures/blob-factory.ts';
import { startTestNode, type TestNode } from './helpers.ts';
import { makeSite, type SiteBlob } from './site.ts';

const alice = testKey('hostile-alice');
const bob = testKey('hostile-bob');
const SCOPE = `subtree:${alice.accountId}`;

/**
 * A scripted peer: a real libp2p node speaking the real protocol, whose handlers serve `blobs`
 * honestly in reconciliation but answer fetches through `serve` — which is where it misbehaves.
 */
type ServedBlob = { cid: CID; data: Uint8Array };

async function scriptedPeer(
  blobs: SiteBlob[],
  serve: (asked: CID[], byCid: Map<string, Uint8Array>) => Promise<ServedBlob[]>,
  /** Items the peer lists in reconcile besides its blobs' (ids that need not be CIDs). */
  extra: { ts: number; id: Uint8Array }[] = [],
) {
  const dir = mkdtempSync(join(tmpdir(), 'seedling-hostile-'));
  const set = SealedSet.from([
    ...blobs.map((b) => ({ ts: decodeStructuralBlob(b.data).ts, id: b.cid.bytes })),
    ...extra,
  ]);
  const byCid = new Map(blobs.map((b) => [b.cid.toString(), b.data]));
  const node: SeedlingNode = await createSeedlingNode(
    {
      registry: new Registry(),
      handlers: {
        onReconcile: async (_peer, _scope, rbsr) => respond(set, rbsr),
        // The script speaks CID objects; the wire, their bytes.
        onFetch: async (_peer, cids) =>
          (
            await serve(
              cids.map((c) => CID.decode(c)),
              byCid,
            )
          ).map((b) => ({
            cid: b.cid.bytes,
            data: b.data,
          })),
        onAnnounce: () => {},
      },
    },
    { dataDir: dir, protocol: { handlerTimeoutMs: 1_500 } },
  );
  return {
    addr: node.multiaddrs()[0]!.toString(),
    id: node.peerId.toString(),
    announce: (to: string, cids: CID[]) =>
      node.protocol.announce(
        multiaddr(to),
        cids.map((c) => c.bytes),
      ),
    async stop() {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function flipBit(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at]! ^= 0x01;
  return copy;
}

describe('sync against hostile peers', () => {
  const site = makeSite(alice, bob, { docs: 3, changes: 2 });
  let puller: TestNode;

  before(async () => {
    puller = await startTestNode({ engine: { fetchBatch: 4 } });
  });
  after(async () => {
    await puller.close();
  });

  it('rejects blobs whose bytes do not match their CID, stores none, counts and backs off the peer', async () => {
    const peer = await scriptedPeer(site.blobs, async (asked, byCid) =>
      asked.map((cid) => ({ cid, data: flipBit(byCid.get(cid.toString())!, 10) })),
    );
    try {
      const r = await puller.sync.engine.pull(multiaddr(peer.addr), SCOPE);
      assert.equal(r.rejected, site.blobs.length);
      assert.equal(r.written, 0);
      assert.equal(await puller.blobCount(), 0);
      const record = puller.net.peers.get(peer.id);
      assert.ok(record && record.hostile >= site.blobs.length, 'rejections counted per peer');
      assert.ok(puller.net.peers.isBackedOff(peer.id), 'the peer is backed off');
      const text = await puller.registry.getSingleMetricAsString('seedling_sync_rejected_total');
      assert.match(text, /code="CID_MISMATCH"/);
    } finally {
      await peer.stop();
    }
  });

  it('refuses a reconcile that lists an id that is not a CID, fetching and storing nothing', async () => {
    let fetches = 0;
    // A CIDv1 whose digest length says 32 bytes while 31 follow.
    const bogus = site.blobs[0]!.cid.bytes.slice(0, -1);
    const peer = await scriptedPeer(site.blobs, async () => {
      fetches++;
      return [];
    }, [{ ts: 1, id: bogus }]);
    try {
      await assert.rejects(puller.sync.engine.pull(multiaddr(peer.addr), SCOPE), (err) => {
        assert.ok(err instanceof ProtocolError);
        assert.equal(err.code, 'SYNC_BAD_CID');
        assert.match(err.message, /not a CID: digest length says 32 bytes, 31 follow/);
        return true;
      });
      assert.equal(fetches, 0);
      assert.equal(await puller.blobCount(), 0);
    } finally {
      await peer.stop();
    }
  });

  it('rejects a blob with a bad signature even when its CID matches its bytes', async () => {
    const honest = site.blobs[0]!;
    const tampered = flipBit(honest.data, honest.data.length - 5); // inside the trailing fields
    const forged = { cid: cidForBytes(tampered, CODEC.dagCbor), data: tampered };
    const peer = await scriptedPeer([forged], async (asked) =>
      asked.filter((c) => c.equals(forged.cid)).map((cid) => ({ cid, data: tampered })),
    );
    try {
      const r = await puller.sync.engine.pull(multiaddr(peer.addr), SCOPE);
      assert.equal(r.rejected, 1);
      assert.equal(await puller.blobCount(), 0);
    } finally {
      await peer.stop();
    }
  });

  it('gives up on a peer that stalls, with a timeout error, storing nothing from it', async () => {
    const stalled = new Promise<ServedBlob[]>(() => {});
    const peer = await scriptedPeer(site.blobs, () => stalled);
    const slowPuller = await startTestNode({}, { requestTimeoutMs: 1_000 });
    try {
      await assert.rejects(
        slowPuller.sync.engine.pull(multiaddr(peer.addr), SCOPE, {
          signal: AbortSignal.timeout(60_000),
        }),
        (err) => err instanceof PeerTimeoutError || /timed out|TIMEOUT/.test(String(err)),
      );
      assert.equal(await slowPuller.blobCount(), 0);
      assert.ok(slowPuller.net.peers.isBackedOff(peer.id));
    } finally {
      await peer.stop();
      await slowPuller.close();
    }
  });

  it("counts an announcement's tampered blobs against the peer and stores none of them", async () => {
    const peer = await scriptedPeer(site.blobs, async (asked, byCid) =>
      asked.map((cid) => ({ cid, data: flipBit(byCid.get(cid.toString())!, 10) })),
    );
    const follower = await startTestNode({ subscriptionRefreshMs: 600_000 });
    try {
      // The node follows alice's space, so an announcement of new blobs is classified: a few are
      // fetched and verified to learn their space.
      await follower.store.write({
        op: 'test.subscribe',
        class: 'interactive',
        handler: 'sync.subscribe',
        payload: { account: alice.accountId, path: '', recursive: 'subtree' },
      });
      const rounds = () =>
        metricSum(follower.registry, 'seedling_announce_rounds_total', { outcome: 'unfollowed' });
      await peer.announce(
        follower.addr,
        site.blobs.map((b) => b.cid),
      );
      const deadline = Date.now() + 5_000;
      while ((await rounds()) < 1 && Date.now() < deadline) await sleep(50);
      assert.equal(await rounds(), 1, 'no announced blob verified, so no followed space was named');
      assert.equal(await follower.blobCount(), 0);
      const record = follower.net.peers.get(peer.id);
      assert.ok(record && record.hostile >= 1, 'the tampered blobs counted against the peer');
      assert.ok(follower.net.peers.isBackedOff(peer.id), 'the peer is backed off');
      const text = await follower.registry.getSingleMetricAsString('seedling_sync_rejected_total');
      assert.match(text, /code="CID_MISMATCH"/);
    } finally {
      await peer.stop();
      await follower.close();
    }
  });

  it('keeps what a cancelled pull already fetched', async () => {
    const abort = new AbortController();
    let served = 0;
    const peer = await scriptedPeer(site.blobs, async (asked, byCid) => {
      // Two fetches run at once; the third arrives only after a reply landed, then we cancel.
      if (++served === 3) abort.abort(new Error('the user navigated away'));
      return asked.map((cid) => ({ cid, data: byCid.get(cid.toString())! }));
    });
    const fresh = await startTestNode({ engine: { fetchBatch: 4 } });
    try {
      await assert.rejects(
        fresh.sync.engine.pull(multiaddr(peer.addr), SCOPE, { signal: abort.signal }),
      );
      const kept = await fresh.blobCount();
      assert.ok(kept >= 4, `kept ${kept} blobs fetched before the cancel`);
      assert.ok(kept < site.blobs.length, 'the pull really stopped early');
    } finally {
      await peer.stop();
      await fresh.close();
    }
  });
});
