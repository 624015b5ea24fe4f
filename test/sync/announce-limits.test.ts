import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { Registry } from 'prom-client';
import { StoreError } from '../../src/errors.ts';
import { AnnounceListener, type Followed } from '../../src/sync/announce-listener.ts';
import { Announcer } from '../../src/sync/announcer.ts';
import { emptyPullResult } from '../../src/sync/sync-engine.ts';

/**
 * The bounds of announcements, on the two classes alone (peers are plain strings here; the
 * end-to-end path between real nodes is test/sync/announce.test.ts).
 */

async function cids(n: number): Promise<CID[]> {
  const out: CID[] = [];
  for (let i = 0; i < n; i++) {
    out.push(CID.create(1, 0x55, await sha256.digest(new TextEncoder().encode(`blob ${i}`))));
  }
  return out;
}

const NOTHING = emptyPullResult();

function listener(opts: { stored?: boolean; followed?: Followed[]; spaces?: string[] } = {}) {
  const pulls: [string, string][] = [];
  const lookedUp: number[] = [];
  const classified: number[] = [];
  const outcomes: string[] = [];
  const l = new AnnounceListener<string>(
    {
      registry: new Registry(),
      keyOf: (p) => p,
      hasBlobs: async (mhs) => {
        lookedUp.push(mhs.length);
        return mhs.map(() => opts.stored ?? false);
      },
      followed: async () => opts.followed ?? [{ key: 'k', account: 'x', scopes: ['doc:x'] }],
      spacesOf: async (_peer, list) => {
        classified.push(list.length);
        return new Set(opts.spaces ?? ['x']);
      },
      pull: async (peer, scope) => {
        pulls.push([peer, scope]);
        return NOTHING;
      },
    },
    { coalesceMs: 20, minIntervalMs: 300, maxScopes: 5 },
  );
  l.onRound = (o) => outcomes.push(o);
  return { l, pulls, lookedUp, classified, outcomes };
}

describe('AnnounceListener', () => {
  it('acts once on a burst of announcements, and once more only after the interval', async () => {
    const t = listener();
    const list = await cids(3);
    for (let i = 0; i < 50; i++) t.l.heard('p1', list);
    await sleep(150);
    assert.equal(t.outcomes.length, 1, 'one round for the burst');
    assert.deepEqual(t.lookedUp, [3], 'the burst’s CIDs were looked up once, deduplicated');
    t.l.heard('p1', list);
    await sleep(60);
    assert.equal(t.outcomes.length, 1, 'no second round inside the interval');
    await sleep(300);
    assert.equal(t.outcomes.length, 2, 'the pending announcement ran after the interval');
    t.l.close();
  });

  it('keeps rounds of different peers apart', async () => {
    const t = listener();
    const list = await cids(1);
    t.l.heard('p1', list);
    t.l.heard('p2', list);
    await sleep(150);
    assert.deepEqual(t.pulls.map(([peer]) => peer).sort(), ['p1', 'p2']);
    t.l.close();
  });

  it('reconciles nothing when every announced blob is stored', async () => {
    const t = listener({ stored: true });
    t.l.heard('p1', await cids(4));
    await sleep(150);
    assert.deepEqual(t.outcomes, ['known']);
    assert.equal(t.pulls.length, 0);
    t.l.close();
  });

  it('reconciles nothing when the node follows nothing', async () => {
    const t = listener({ followed: [] });
    t.l.heard('p1', await cids(1));
    await sleep(150);
    assert.deepEqual(t.outcomes, ['unfollowed']);
    assert.equal(t.pulls.length, 0);
    assert.deepEqual(t.classified, [], 'nothing was fetched to learn its space');
    t.l.close();
  });

  it('reconciles only the followed spaces the announced blobs belong to', async () => {
    const followed = [
      { key: 'ka', account: 'a', scopes: ['doc:a', 'subtree:a'] },
      { key: 'kb', account: 'b', scopes: ['subtree:b'] },
    ];
    const t = listener({ followed, spaces: ['b', 'z'] });
    t.l.heard('p1', await cids(2));
    await sleep(150);
    assert.deepEqual(t.pulls, [['p1', 'subtree:b']]);
    assert.deepEqual(t.outcomes, ['nothing-new']);
    const other = listener({ followed, spaces: ['z'] });
    other.l.heard('p1', await cids(2));
    await sleep(150);
    assert.deepEqual(other.outcomes, ['unfollowed'], 'a space it does not follow');
    assert.equal(other.pulls.length, 0);
    t.l.close();
    other.l.close();
  });

  it('tries a failed round again, twice at most, unless it failed on this node (a full disk)', async () => {
    const run = async (failure: Error) => {
      const outcomes: string[] = [];
      let pulls = 0;
      const l = new AnnounceListener<string>(
        {
          registry: new Registry(),
          keyOf: (p) => p,
          hasBlobs: async (mhs) => mhs.map(() => false),
          followed: async () => [{ key: 'k', account: 'x', scopes: ['doc:x'] }],
          spacesOf: async () => new Set(['x']),
          pull: async () => {
            pulls++;
            throw failure;
          },
        },
        { coalesceMs: 10, minIntervalMs: 50 },
      );
      l.onRound = (o) => outcomes.push(o);
      l.heard('p1', await cids(1));
      await sleep(400);
      l.close();
      return { outcomes, pulls };
    };
    const busy = await run(new Error('peer busy'));
    assert.deepEqual(busy.outcomes, ['failed', 'failed', 'failed'], 'the first try and two more');
    assert.equal(busy.pulls, 3);
    const full = await run(new StoreError('sync.persist (sync)', { code: 'STORE_FULL' }));
    assert.deepEqual(full.outcomes, ['failed'], 'not tried again: it would fail the same way');
    assert.equal(full.pulls, 1);
  });

  it('bounds the scopes of a round and the CIDs a peer can queue', async () => {
    const followed = Array.from({ length: 20 }, (_, i) => ({
      key: `k${i}`,
      account: `a${i}`,
      scopes: [`doc:a${i}`, `subtree:a${i}`],
    }));
    const t = listener({ followed, spaces: followed.map((f) => f.account) });
    t.l.heard('p1', await cids(5_000));
    await sleep(200);
    assert.equal(t.pulls.length, 5, 'maxScopes');
    assert.deepEqual(t.lookedUp, [4_096], 'at most 4 messages’ worth of CIDs wait per peer');
    assert.deepEqual(t.classified, [16], 'a few missing blobs are fetched to learn their spaces');
    t.l.close();
  });
});

function announcer(now: { t: number }) {
  const sent: [string, number][] = [];
  const a = new Announcer<string>(
    {
      registry: new Registry(),
      keyOf: (p) => p,
      isConnected: (p) => p !== 'gone',
      send: async (peer, list) => {
        sent.push([peer, list.length]);
      },
      now: () => now.t,
    },
    { delayMs: 10, maxPeers: 2, followerTtlMs: 1_000 },
  );
  return { a, sent };
}

describe('Announcer', () => {
  it('tells the connected followers of the space, one message each', async () => {
    const now = { t: 0 };
    const { a, sent } = announcer(now);
    a.noteFollower('alice', 'p1');
    a.noteFollower('alice', 'gone');
    a.noteFollower('bob', 'p3');
    a.published(['alice'], await cids(3));
    a.published(['alice'], await cids(2)); // the same first two: deduplicated
    await sleep(50);
    assert.deepEqual(sent, [['p1', 3]]);
    a.close();
  });

  it('forgets followers after the TTL and keeps only the most recent ones', async () => {
    const now = { t: 0 };
    const { a, sent } = announcer(now);
    a.noteFollower('alice', 'old');
    now.t = 600;
    a.noteFollower('alice', 'p1');
    a.noteFollower('alice', 'p2');
    a.noteFollower('alice', 'p3'); // maxPeers 2: 'old' then 'p1' drop out
    a.published(['alice'], await cids(1));
    await a.flush();
    assert.deepEqual(sent.map(([p]) => p).sort(), ['p2', 'p3']);
    sent.length = 0;
    now.t = 1_700; // past the TTL of every follower
    a.published(['alice'], await cids(1));
    await a.flush();
    assert.deepEqual(sent, []);
    a.close();
  });

  it('splits a large publish into messages of at most 1,024 CIDs', async () => {
    const { a, sent } = announcer({ t: 0 });
    a.noteFollower('alice', 'p1');
    a.published(['alice'], await cids(1_500));
    await a.flush();
    assert.deepEqual(sent, [
      ['p1', 1_024],
      ['p1', 476],
    ]);
    a.close();
  });
});
