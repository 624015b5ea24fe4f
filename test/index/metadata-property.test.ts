/**
 * Property: metadata maintained incrementally (Ref by Ref, DESIGN §4 "metadata without replay")
 * equals (1) the metadata rebuilt from scratch for the final Ref alone and (2) the metadata of a
 * full replay of the document (REPLAY's replayStoredChanges over index.documentChanges), for
 * random change DAGs with branches, merges, timestamp ties and Refs that move back and forth.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CID } from 'multiformats/cid';
import type { Change } from '../../src/blob/blob-types.ts';
import { type Created, createChange, createRef } from '../../src/blob/create-blob.ts';
import type { DocumentChanges, DocumentRow } from '../../src/index/read-types.ts';
import { replayStoredChanges } from '../../src/index/replay/replay-stored.ts';
import { BASE_TS, testKey } from '../fixtures/blob-factory.ts';
import { IndexDb } from './helpers.ts';

const alice = testKey('alice');

type Spec = {
  changes: { deps: number[]; tsStep: number; key: 'name' | 'summary'; value: string | null }[];
  refs: number[][];
};

const specArb: fc.Arbitrary<Spec> = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.record({
    changes: fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.record({
          // Indexes into [genesis, c0, c1, …]: any earlier changes.
          deps: fc.uniqueArray(fc.integer({ min: 0, max: i }), { minLength: 1, maxLength: 3 }),
          tsStep: fc.integer({ min: 0, max: 2 }),
          key: fc.constantFrom('name' as const, 'summary' as const),
          value: fc.constantFrom<string | null>('A', 'B', null),
        }),
      ),
    ),
    refs: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: n }), { minLength: 1, maxLength: 3 }), {
      minLength: 1,
      maxLength: 4,
    }),
  }),
);

function build(spec: Spec) {
  const genesis = createChange(
    {
      ts: BASE_TS,
      ops: [{ type: 'SetAttributes', block: '', attrs: [{ key: ['name'], value: 'G' }] }],
    },
    alice,
  );
  const all: Created<Change>[] = [genesis];
  for (const [i, c] of spec.changes.entries()) {
    const deps = c.deps.map((d) => all[d]!);
    const depth = 1 + Math.max(...deps.map((d) => d.blob.depth ?? 0));
    all.push(
      createChange(
        {
          // Steps of 0 make timestamp ties, so the CID decides.
          ts: BASE_TS + 1_000 + i * 10 + c.tsStep,
          genesis: genesis.cid,
          deps: deps.map((d) => d.cid) as CID[],
          depth,
          ops: [{ type: 'SetAttributes', block: '', attrs: [{ key: [c.key], value: c.value }] }],
        },
        alice,
      ),
    );
  }
  const refs = spec.refs.map((heads, i) =>
    createRef(
      {
        ts: BASE_TS + 100_000 + i,
        genesisBlob: genesis.cid,
        heads: [...new Set(heads)].map((h) => all[h]!.cid),
        generation: BASE_TS + 100_000 + i,
      },
      alice,
    ),
  );
  return { all, refs };
}

const account = alice.accountId;

describe('metadata without replay', () => {
  it('matches a rebuild and a full replay for random DAGs and Ref sequences', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const { all, refs } = build(spec);
        const live = new IndexDb();
        const fresh = new IndexDb();
        try {
          live.putOk(all);
          for (const ref of refs) live.putOk([ref]);
          fresh.putOk([...all, refs.at(-1)!]);
          const a = live.read<DocumentRow>('index.resourceMetadata', { account, path: '' });
          const b = fresh.read<DocumentRow>('index.resourceMetadata', { account, path: '' });
          assert.deepEqual(a.metadata, b.metadata);
          assert.deepEqual(a.authors, b.authors);
          assert.equal(a.version, b.version);
          assert.equal(a.updateTime, b.updateTime);
          const stored = live.read<DocumentChanges>('index.documentChanges', { account, path: '' });
          const replayed = replayStoredChanges(stored);
          assert.deepEqual(a.metadata, replayed.metadata);
        } finally {
          live.close();
          fresh.close();
        }
      }),
      { numRuns: 40, seed: 20251125 },
    );
  });
});
