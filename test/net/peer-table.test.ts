import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { InvalidInputError } from '../../src/errors.ts';
import { netMetrics, type PeerStore, PeerTable, type PeerTableInit } from '../../src/net/index.ts';
import * as ext from '../../src/net/store-extension.ts';
import { openDatabase } from '../../src/store/open-database.ts';

/**
 * Runs the net store extension's handlers on a real SQLite file, in the calling thread: the same
 * contract as the store's writer (handler inside a transaction) and reader pool, minus the threads.
 */
class SqlitePeerStore implements PeerStore {
  readonly db: DatabaseSync;
  writes = 0;

  constructor(path: string) {
    this.db = openDatabase(path);
    for (const m of ext.migrations) this.db.exec(m.sql);
  }

  async write(job: { handler: string; payload: unknown; key?: string }): Promise<unknown> {
    this.writes++;
    this.db.exec('BEGIN');
    try {
      const out = ext.writeHandlers[job.handler]!(this.db, job.payload, {
        op: 'test',
        generation: 0,
      });
      this.db.exec('COMMIT');
      return out;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async read(job: { handler: string; args: unknown }): Promise<unknown> {
    return ext.readHandlers[job.handler]!(this.db, job.args, { op: 'test', generation: 0 });
  }
}

function table(init: PeerTableInit = {}, store?: PeerStore) {
  const registry = new Registry();
  let now = 1_000_000;
  const clock = { advance: (ms: number) => (now += ms) };
  const peers = new PeerTable(
    { metrics: netMetrics(registry), store },
    {
      now: () => now,
      random: () => 0.5,
      backoffBaseMs: 1_000,
      backoffMaxMs: 60_000,
      jitter: 0.5,
      ...init,
    },
  );
  return { peers, clock, registry };
}

describe('peer table', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('backs off exponentially with jitter, capped, and resets on success', () => {
    const { peers, clock } = table();
    // random() = 0.5 and jitter 0.5 → each delay is 75% of the exponential value
    assert.equal(peers.recordFailure('a'), 750);
    assert.equal(peers.recordFailure('a'), 1_500);
    assert.equal(peers.recordFailure('a'), 3_000);
    for (let i = 0; i < 20; i++) peers.recordFailure('a');
    assert.equal(peers.recordFailure('a'), 45_000, 'capped at backoffMaxMs (60 s) before jitter');
    assert.equal(peers.isBackedOff('a'), true);
    clock.advance(45_001);
    assert.equal(peers.isBackedOff('a'), false);
    peers.recordFailure('a');
    peers.recordSuccess('a');
    assert.equal(peers.isBackedOff('a'), false);
    assert.equal(peers.get('a')?.failures, 0);
    assert.equal(peers.recordFailure('a'), 750, 'the sequence restarts after a success');
  });

  it('draws jitter from [d·(1−j), d]', () => {
    const low = table({ random: () => 0.999 }).peers;
    const high = table({ random: () => 0 }).peers;
    assert.equal(high.backoffFor(3), 4_000);
    assert.ok(low.backoffFor(3) >= 2_000 && low.backoffFor(3) < 2_010);
  });

  it('never returns an empty dial set while it knows a peer', () => {
    const { peers, clock } = table();
    peers.seen('a', { addrs: ['/ip4/127.0.0.1/tcp/1'] });
    clock.advance(1);
    peers.seen('b', { addrs: ['/ip4/127.0.0.1/tcp/2'] });
    peers.seen('no-addrs');
    assert.deepEqual(
      peers.dialCandidates(5).map((p) => p.peerId),
      ['b', 'a'],
      'most recent first; addressless skipped',
    );
    peers.recordFailure('b');
    assert.deepEqual(
      peers.dialCandidates(5).map((p) => p.peerId),
      ['a'],
      'backed-off peers are left out...',
    );
    peers.recordFailure('a');
    peers.recordFailure('a');
    assert.deepEqual(
      peers.dialCandidates(5).map((p) => p.peerId),
      ['b', 'a'],
      '...unless all are: then the soonest to come out of backoff first',
    );
  });

  it('evicts the least recently seen peer beyond its size, never a bootstrap peer', () => {
    const { peers, clock } = table({ maxPeers: 3 });
    peers.addBootstrap('boot', ['/ip4/10.0.0.1/tcp/1']);
    for (const id of ['p1', 'p2', 'p3']) {
      clock.advance(10);
      peers.seen(id, { addrs: ['/ip4/127.0.0.1/tcp/9'] });
    }
    assert.equal(peers.size, 3);
    assert.ok(peers.get('boot'));
    assert.equal(peers.get('p1'), undefined);
    assert.ok(peers.get('p3'));
  });

  it('persists through the store (coalesced per peer) and reloads at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedling-peers-'));
    dirs.push(dir);
    const store = new SqlitePeerStore(join(dir, 'db.sqlite'));
    const first = table({}, store).peers;
    await first.start();
    first.seen('peer-1', {
      addrs: ['/ip4/1.2.3.4/tcp/4001'],
      agentVersion: 'seedling/0.1',
      protocolVersion: 'p/1',
    });
    first.recordFailure('peer-1');
    first.recordHostile('peer-1');
    first.addBootstrap('boot', ['/dns4/boot.example/tcp/4001']);
    assert.equal(store.writes, 0, 'nothing written inline');
    first.stop();
    await new Promise((r) => setImmediate(r));
    assert.equal(store.writes, 2, 'one write per dirty peer, however many changes');

    const second = table({}, store).peers;
    await second.start();
    second.stop();
    const p = second.get('peer-1');
    assert.deepEqual(p?.addrs, ['/ip4/1.2.3.4/tcp/4001']);
    assert.equal(p?.agentVersion, 'seedling/0.1');
    assert.equal(p?.failures, 1);
    assert.equal(p?.hostile, 1);
    assert.ok((p?.backoffUntil ?? 0) > 0);
    assert.equal(second.get('boot')?.bootstrap, true);
    store.db.close();
  });

  it('write handler validates its payload', () => {
    assert.throws(() => ext.checkPeerRecord({ peerId: 'x', addrs: 'nope' }), InvalidInputError);
    assert.throws(
      () => ext.checkPeerRecord({ peerId: 'x', addrs: [], lastSeen: -1 }),
      InvalidInputError,
    );
    assert.equal(ext.migrations[0]!.version >= 30, true);
  });
});
