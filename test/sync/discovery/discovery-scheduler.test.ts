import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { StoreError } from '../../../src/errors.ts';
import {
  type DiscoveryInit,
  DiscoveryScheduler,
} from '../../../src/sync/discovery/discovery-scheduler.ts';
import type { PullResult } from '../../../src/sync/sync-engine.ts';

const ACCOUNT = 'z6Mkm3c7LJn7vJ7XZQZHKNufnG6v9mCsVwLoG6v8ngY7aXq8';
const IRI = `hm://${ACCOUNT}/hello`;

/**
 * Peers are named strings; `pull` is an in-process stand-in for the network that records who was
 * asked and can make a peer "deliver" the wanted version. The scheduler under test is real.
 */
function setup(
  opts: {
    authorities?: string[];
    connected?: string[];
    cold?: string[];
    present?: boolean;
    delivers?: Set<string>;
    failing?: Set<string>;
    pullMs?: number;
    /** Delay of each local version lookup (a lookup queued behind other reads). */
    versionMs?: number;
    /** Thrown by every pull, as this node's store throws it (e.g. a full disk). */
    localFailure?: Error;
  } & DiscoveryInit = {},
) {
  const asked: string[] = [];
  const outcomes: [string, boolean][] = [];
  let hasWanted = false;
  const result: PullResult = {
    rounds: 1,
    wanted: 2,
    alreadyStored: 0,
    claimedElsewhere: 0,
    fetched: 2,
    written: 2,
    rejected: 0,
    bytes: 10,
  };
  const scheduler = new DiscoveryScheduler<string>(
    {
      registry: new Registry(),
      async pull(peer, _scope, signal) {
        asked.push(peer);
        await new Promise((r) => setTimeout(r, opts.pullMs ?? 2));
        signal.throwIfAborted();
        if (opts.localFailure) throw opts.localFailure;
        if (opts.failing?.has(peer)) throw new Error(`${peer} is down`);
        if (opts.delivers?.has(peer)) hasWanted = true;
        return result;
      },
      peers: {
        authorities: () => opts.authorities ?? [],
        connected: () => opts.connected ?? [],
        cold: (limit, exclude) => (opts.cold ?? []).filter((p) => !exclude.has(p)).slice(0, limit),
        keyOf: (p) => p,
        recordOutcome: (p, ok) => outcomes.push([p, ok]),
      },
      local: {
        version: async () => {
          if (opts.versionMs) await new Promise((r) => setTimeout(r, opts.versionMs));
          return opts.present || hasWanted ? 'bafyhead' : null;
        },
        hasVersion: async () => hasWanted,
      },
    },
    opts,
  );
  return { scheduler, asked, outcomes };
}

const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('DiscoveryScheduler', () => {
  it('joins a second identical ask to the running task and answers repeats from the result', async () => {
    const t = setup({ authorities: ['site'], present: true, pullMs: 20 });
    const first = t.scheduler.discover({ iri: IRI });
    const second = t.scheduler.discover({ iri: IRI });
    assert.equal(first.key, second.key);
    assert.equal(second.joins, 1);
    const done = await t.scheduler.settled(first.key);
    assert.equal(done?.state, 'done');
    assert.deepEqual(t.asked, ['site'], 'one pull of the doc scope from one peer');
    assert.equal(t.scheduler.discover({ iri: IRI }).state, 'done');
    assert.equal(t.asked.length, 1, 'a finished task is not run again within its TTL');
  });

  it('never shows a finished task without its result, however slow the result lookup', async () => {
    const t = setup({ connected: ['peer'], delivers: new Set(['peer']), versionMs: 40 });
    const seen: { state: string; resultVersion: string | null }[] = [];
    const off = t.scheduler.onProgress((p) => seen.push(p));
    const key = t.scheduler.discover({ iri: IRI }).key;
    const polled: (string | null | undefined)[] = [];
    const poll = setInterval(() => {
      const p = t.scheduler.status(key);
      if (p?.state === 'done') polled.push(p.resultVersion);
    }, 5);
    const done = await t.scheduler.settled(key);
    clearInterval(poll);
    off();
    assert.equal(done?.state, 'done');
    assert.equal(done?.resultVersion, 'bafyhead');
    const finished = seen.filter((p) => p.state === 'done');
    assert.ok(finished.length > 0);
    for (const p of finished)
      assert.equal(p.resultVersion, 'bafyhead', 'done came with its result');
    for (const v of polled) assert.equal(v, 'bafyhead', 'a poll never saw done without a result');
  });

  it('asks only the authority when content is present and an authority is known', async () => {
    const t = setup({ authorities: ['site'], connected: many('c', 20), present: true });
    const key = t.scheduler.discover({ iri: IRI }).key;
    await t.scheduler.settled(key);
    assert.deepEqual(t.asked, ['site']);
  });

  it('asks at most 3 peers when the host is known, and stops as soon as the version is here', async () => {
    const t = setup({
      authorities: ['site'],
      connected: many('c', 20),
      failing: new Set(['site']),
      delivers: new Set(many('c', 20)),
    });
    const key = t.scheduler.discover({ iri: IRI, version: 'bafywanted' }).key;
    const done = await t.scheduler.settled(key);
    assert.equal(done?.state, 'done');
    assert.ok(t.asked.length <= 3, `asked ${t.asked.length}`);
    assert.equal(done?.peersFailed, 1);
  });

  it('asks a handful (≤ 8) of peers when lost, using cold peers when few are connected', async () => {
    const t = setup({ connected: ['c0', 'c1'], cold: many('cold', 50), failing: new Set() });
    const key = t.scheduler.discover({ iri: IRI, version: 'bafynever' }).key;
    const done = await t.scheduler.settled(key);
    assert.equal(t.asked.length, 8);
    assert.ok(t.asked.includes('c0') && t.asked.includes('cold0'));
    assert.equal(done?.state, 'done', 'peers answered, even though the version was not found');
    assert.equal(done?.lastError, 'wanted version not found');
  });

  it('fails at once on a local store failure (full disk), asking no further peer and blaming none', async () => {
    const full = new StoreError('sync.persist (sync)', {
      code: 'STORE_FULL',
      cause: new Error('database or disk is full'),
    });
    const t = setup({ authorities: ['site'], connected: many('peer', 10), localFailure: full });
    const done = await t.scheduler.settled(t.scheduler.discover({ iri: IRI }).key);
    assert.equal(done?.state, 'failed');
    assert.match(done?.lastError ?? '', /database or disk is full/);
    assert.deepEqual(t.asked, ['site'], 'the next tier is not asked');
    assert.deepEqual(t.outcomes, [], 'no peer is recorded as failed');
    assert.equal(done?.peersFailed, 0);
    // A peer's own failure still counts against it, and the next tier is asked.
    const down = setup({ authorities: ['site'], connected: ['peer'], failing: new Set(['site']) });
    await down.scheduler.settled(down.scheduler.discover({ iri: IRI }).key);
    assert.deepEqual(down.outcomes[0], ['site', false]);
    assert.ok(down.asked.includes('peer'));
  });

  it('fails clearly when no peer is known at all', async () => {
    const t = setup({});
    const done = await t.scheduler.settled(t.scheduler.discover({ iri: IRI }).key);
    assert.equal(done?.state, 'failed');
    assert.equal(done?.lastError, 'no peers known');
  });

  it('keeps one slot for hot tasks: background tasks queue, a hot task starts at once', async () => {
    const t = setup({ authorities: ['site'], present: true, pullMs: 100, workers: 2 });
    const bg = [0, 1, 2].map((i) =>
      t.scheduler.discover({ iri: `hm://${ACCOUNT}/bg${i}`, hot: false }),
    );
    assert.deepEqual(
      bg.map((p) => t.scheduler.status(p.key)?.state),
      ['running', 'queued', 'queued'],
    );
    const hot = t.scheduler.discover({ iri: `hm://${ACCOUNT}/now`, hot: true });
    assert.equal(t.scheduler.status(hot.key)?.state, 'running');
    await Promise.all([...bg, hot].map((p) => t.scheduler.settled(p.key)));
  });

  it('ends a hot task nobody shows interest in, and a heartbeat keeps it alive', async () => {
    const t = setup({ connected: ['slow'], pullMs: 1_600, interestTtlMs: 200 });
    const kept = t.scheduler.discover({ iri: `hm://${ACCOUNT}/kept`, version: 'x' });
    const dropped = t.scheduler.discover({ iri: `hm://${ACCOUNT}/dropped`, version: 'x' });
    const beat = setInterval(() => t.scheduler.heartbeat(kept.key), 50);
    const [k, d] = await Promise.all([
      t.scheduler.settled(kept.key),
      t.scheduler.settled(dropped.key),
    ]);
    clearInterval(beat);
    assert.equal(d?.state, 'expired');
    assert.notEqual(k?.state, 'expired');
    await t.scheduler.close();
  });

  it('with task sharing off (the naive profile), every ask runs its own task', async () => {
    const t = setup({ authorities: ['site'], present: true, shareTasks: false });
    const keys = [0, 1, 2].map(() => t.scheduler.discover({ iri: IRI }).key);
    assert.equal(new Set(keys).size, 3);
    await Promise.all(keys.map((k) => t.scheduler.settled(k)));
    assert.equal(t.asked.length, 3);
  });
});
