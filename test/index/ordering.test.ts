import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createChange, createComment, createRef } from '../../src/blob/create-blob.ts';
import type { IndexStats } from '../../src/index/read-stats.ts';
import type { DocumentRow } from '../../src/index/read-types.ts';
import {
  BASE_TS,
  makeCapability,
  makeComment,
  makeContact,
  makeDocument,
  makeProfile,
  testKey,
} from '../fixtures/blob-factory.ts';
import { type BlobLike, IndexDb, shuffled, snapshot } from './helpers.ts';

const alice = testKey('alice');
const bob = testKey('bob');

/** A mixed corpus: documents (both genesis shapes), a merge, a grant, comments, a tombstone. */
function corpus(): BlobLike[] {
  const home = makeDocument(alice, { genesis: 'empty', changes: 3, title: 'Home' });
  const post = makeDocument(alice, { genesis: 'cli', changes: 2, path: '/post', title: 'Post' });
  const gone = makeDocument(alice, { genesis: 'cli', changes: 1, path: '/gone' });
  const cap = makeCapability(alice, bob.principal, { path: '/post' });
  // Bob and Alice branch from the post's head; Alice's Ref merges both.
  const head = post.changes.at(-1)!;
  const branch = (key: typeof alice, name: string, ts: number) =>
    createChange(
      {
        ts,
        genesis: post.genesis.cid,
        deps: [head.cid],
        depth: 3,
        ops: [{ type: 'SetAttributes', block: '', attrs: [{ key: ['summary'], value: name }] }],
      },
      key,
    );
  const a = branch(alice, 'by alice', BASE_TS + 70_000);
  const b = branch(bob, 'by bob', BASE_TS + 71_000);
  const merge = createRef(
    {
      ts: BASE_TS + 72_000,
      path: '/post',
      genesisBlob: post.genesis.cid,
      heads: [a.cid, b.cid],
      generation: BASE_TS + 72_000,
    },
    alice,
  );
  const tomb = createRef(
    {
      ts: BASE_TS + 80_000,
      path: '/gone',
      genesisBlob: gone.genesis.cid,
      heads: [],
      generation: BASE_TS + 80_000,
    },
    alice,
  );
  const target = { space: alice.principal, path: '/post', version: [head.cid] };
  const c1 = makeComment(bob, target, { text: 'hi' });
  const c2 = makeComment(alice, target, {
    text: 'hello',
    ts: BASE_TS + 11_000,
    replyParent: c1.cid,
    threadRoot: c1.cid,
  });
  const c3 = createComment(
    { ts: BASE_TS + 12_000, ...target, body: [{ id: 'x', type: 'Paragraph', text: 'other' }] },
    bob,
  );
  return [
    ...home.all,
    ...post.all,
    ...gone.all,
    cap,
    a,
    b,
    merge,
    tomb,
    c1,
    c2,
    c3,
    makeProfile(alice),
    makeContact(alice, bob.principal),
  ];
}

describe('arrival order', () => {
  const blobs = corpus();
  let expected: Record<string, unknown[]>;
  before(() => {
    const idx = new IndexDb();
    try {
      for (const r of idx.putOk(blobs)) assert.equal(r.status, 'indexed', r.cid ?? '');
      expected = snapshot(idx.db);
      const post = idx.read<DocumentRow>('index.resourceMetadata', {
        account: alice.accountId,
        path: '/post',
      });
      assert.equal(post.summary, 'by bob', 'the later branch wins the attribute');
      assert.equal(post.heads.length, 2);
      assert.equal(post.commentCount, 3);
      assert.deepEqual(expected.pending, []);
    } finally {
      idx.close();
    }
  });

  it('reversed delivery (children before parents, Refs first) converges to the in-order rows', () => {
    const idx = new IndexDb();
    try {
      const results = idx.putOk([...blobs].reverse());
      assert.ok(
        results.some((r) => r.status === 'pending'),
        'some blobs had to wait',
      );
      assert.deepEqual(snapshot(idx.db), expected);
    } finally {
      idx.close();
    }
  });

  it('shuffled delivery in random batches converges, for many orders', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const idx = new IndexDb();
      try {
        const order = shuffled(blobs, seed);
        let i = 0;
        while (i < order.length) {
          const size = 1 + ((seed * 7 + i) % 5);
          idx.putOk(order.slice(i, i + size));
          i += size;
        }
        const got = snapshot(idx.db);
        for (const table of Object.keys(expected)) {
          assert.deepEqual(got[table], expected[table], `seed ${seed}, table ${table}`);
        }
      } finally {
        idx.close();
      }
    }
  });

  it('blobs wait while their parents are missing and are indexed in the put that brings them', () => {
    const idx = new IndexDb();
    try {
      const doc = makeDocument(alice, { genesis: 'empty', changes: 3, path: '/late' });
      const [genesis, c1, c2, c3] = [doc.genesis, ...doc.changes];
      assert.deepEqual(
        idx.putOk([doc.ref, c3!, c2!]).map((r) => r.status),
        ['pending', 'pending', 'pending'],
      );
      let stats = idx.read<IndexStats>('index.stats');
      assert.equal(stats.pendingBlobs, 3);
      assert.equal(stats.missingCids, 3, 'Ref waits for c3, c3 for c2, c2 for c1');
      const meta = () =>
        idx.read<DocumentRow | null>('index.resourceMetadata', {
          account: alice.accountId,
          path: '/late',
        });
      assert.equal(meta(), null);
      idx.putOk([c1!]);
      assert.equal(meta(), null, 'c1 still waits for the genesis');
      assert.equal(idx.putOk([genesis])[0]!.status, 'indexed');
      stats = idx.read<IndexStats>('index.stats');
      assert.equal(stats.pendingBlobs, 0);
      assert.equal(stats.missingCids, 0);
      assert.equal(meta()?.version, doc.version);
    } finally {
      idx.close();
    }
  });

  it('a duplicate put is a no-op', () => {
    const idx = new IndexDb();
    try {
      idx.putOk(blobs);
      const before = snapshot(idx.db);
      const events = idx.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number };
      const again = idx.putOk(blobs);
      assert.ok(again.every((r) => r.status === 'duplicate'));
      assert.deepEqual(snapshot(idx.db), before);
      assert.deepEqual(idx.db.prepare('SELECT count(*) AS n FROM events').get(), events);
    } finally {
      idx.close();
    }
  });

  it('a malformed blob fails alone and leaves stored rows unchanged', () => {
    const idx = new IndexDb();
    try {
      idx.putOk(blobs.slice(0, 5));
      const before = snapshot(idx.db);
      const good = blobs[5]!;
      const tampered = Uint8Array.from(good.data);
      tampered[tampered.length - 3]! ^= 0xff;
      const results = idx.put([
        { data: tampered }, // no CID: decodes, but the signature does not match
        { cid: good.cid, data: tampered }, // bytes do not match the CID
        good,
      ]);
      assert.deepEqual(
        results.map((r) => r.ok),
        [false, false, true],
      );
      assert.equal(results[0]!.code, 'BAD_SIGNATURE');
      assert.equal(results[1]!.code, 'CID_MISMATCH');
      const after = snapshot(idx.db);
      const changed = Object.keys(after).filter(
        (k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]),
      );
      // Only the good blob's rows were added (it is a Change: its row and its event).
      assert.deepEqual(changed.sort(), ['changes', 'events']);
    } finally {
      idx.close();
    }
  });

  it('an item that throws while indexing rolls back alone; the items around it commit', () => {
    const idx = new IndexDb();
    try {
      idx.putOk(blobs.slice(0, 5));
      const [first, failing, last] = blobs.slice(5, 8) as [BlobLike, BlobLike, BlobLike];
      const before = idx.db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number };
      // The index's own statement fails for one blob only (as a constraint would), after its
      // blob row was inserted: the whole list ran under one savepoint, so it must be replayed
      // item by item for the others to keep their rows.
      idx.db.exec(`CREATE TEMP TRIGGER fail_one BEFORE INSERT ON main.changes
        WHEN NEW.cid = '${failing.cid}' BEGIN SELECT RAISE(ABORT, 'index failed on purpose'); END`);
      const results = idx.put([first, failing, last]);
      assert.deepEqual(
        results.map((r) => [r.cid, r.ok]),
        [
          [String(first.cid), true],
          [String(failing.cid), false],
          [String(last.cid), true],
        ],
      );
      assert.match(results[1]!.error ?? '', /index failed on purpose/);
      const after = idx.db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number };
      assert.equal(
        after.n,
        before.n + 2,
        'the failing blob row was rolled back with its index rows',
      );
      const stored = (b: BlobLike) => idx.read<unknown>('index.getCid', { cid: String(b.cid) });
      assert.ok(stored(first) && stored(last), 'the items around it were stored');
      assert.equal(stored(failing), null, 'the failing item left no blob');
      const row = idx.db.prepare('SELECT 1 FROM changes WHERE cid = ?').get(String(failing.cid));
      assert.equal(row, undefined, 'nor index rows');
    } finally {
      idx.close();
    }
  });
});
