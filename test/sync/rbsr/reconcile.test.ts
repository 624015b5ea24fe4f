import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SealedSet, type SyncItem } from '../../../src/sync/rbsr/index.ts';
import { expectedDifference, item, reconcileSets } from './helpers.ts';

function check(a: SyncItem[], b: SyncItem[], maxMessageBytes?: number) {
  const got = reconcileSets(SealedSet.from(a), SealedSet.from(b), { maxMessageBytes });
  const want = expectedDifference(a, b);
  assert.deepEqual(got.have, want.have, 'have = A \\ B');
  assert.deepEqual(got.need, want.need, 'need = B \\ A');
  return got;
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => item(from + i));

describe('RBSR reconciliation', () => {
  it('finds the exact difference of random sets (property, against brute force)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 3 })), {
          maxLength: 400,
        }),
        fc.integer({ min: 0, max: 20 }),
        (entries, tsSpread) => {
          // Each entry lands in A, B or both; timestamps collide often to exercise id prefixes.
          const a: SyncItem[] = [];
          const b: SyncItem[] = [];
          for (const [n, side] of entries) {
            const it = item(n, tsSpread === 0 ? 0 : n % tsSpread);
            if (side !== 1) a.push(it);
            if (side !== 0) b.push(it);
          }
          check(a, b);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('handles empty sets on either or both sides', () => {
    assert.equal(check([], []).rounds, 1);
    check(range(0, 500), []);
    check([], range(0, 500));
  });

  it('identical sets finish in one round with nothing to transfer', () => {
    const items = range(0, 5000);
    const got = check(items, items);
    assert.equal(got.rounds, 1);
    assert.equal(got.have.size + got.need.size, 0);
  });

  for (const [where, index] of [
    ['start', 0],
    ['middle', 2500],
    ['end', 4999],
  ] as const) {
    it(`finds a single missing item at the ${where} of 5,000`, () => {
      const all = range(0, 5000);
      const without = all.filter((_, i) => i !== index);
      assert.equal(check(without, all).need.size, 1);
      assert.equal(check(all, without).have.size, 1);
    });
  }

  it('keeps every message under a small byte budget and still converges', () => {
    const a = range(0, 3000);
    const b = range(1500, 6000);
    const got = check(a, b, 8 * 1024);
    assert.ok(got.maxMessage <= 8 * 1024, `largest message ${got.maxMessage} B`);
    assert.ok(got.rounds > 2, 'the budget forced several rounds');
  });

  it('converges on sets where all items share one timestamp (media at ts 0)', () => {
    const a = Array.from({ length: 300 }, (_, i) => item(i, 0));
    const b = Array.from({ length: 300 }, (_, i) => item(i + 150, 0));
    check(a, b);
  });

  it('needs few rounds for a few differences in a large set', () => {
    const all = range(0, 20_000);
    const got = check(
      all.filter((_, i) => i % 5000 !== 7),
      all,
    );
    assert.equal(got.need.size, 4);
    assert.ok(got.rounds <= 4, `took ${got.rounds} rounds`);
  });
});
