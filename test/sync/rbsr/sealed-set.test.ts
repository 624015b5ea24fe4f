import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import fc from 'fast-check';
import { compareItems, SealedSet, type SyncItem } from '../../../src/sync/rbsr/index.ts';
import { compareItemToBound, minimalBound } from '../../../src/sync/rbsr/item.ts';
import type { SealedSetParts } from '../../../src/sync/rbsr/sealed-set.ts';
import { bruteFingerprint, hex, item } from './helpers.ts';

const itemArb = fc.record({
  ts: fc.integer({ min: 0, max: 5 }),
  id: fc.uint8Array({ minLength: 1, maxLength: 6 }),
});

describe('SealedSet', () => {
  it('sorts by (ts, id) and drops duplicates', () => {
    const set = SealedSet.from([item(3), item(1), item(2), item(1)]);
    assert.equal(set.size, 3);
    assert.deepEqual(
      [0, 1, 2].map((i) => set.at(i).ts),
      [1000, 2000, 3000],
    );
  });

  it('range fingerprints equal the definition (sum of SHA-256 mod 2^256, then SHA-256 with count)', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { maxLength: 60 }), fc.nat(), fc.nat(), (raw, x, y) => {
        const set = SealedSet.from(raw);
        const sorted = Array.from({ length: set.size }, (_, i) => set.at(i));
        const lo = x % (set.size + 1);
        const hi = lo + (y % (set.size - lo + 1));
        assert.equal(hex(set.fingerprint(lo, hi)), hex(bruteFingerprint(sorted.slice(lo, hi))));
      }),
    );
  });

  it('fingerprints do not depend on insertion order, and differ when one item differs', () => {
    const items = Array.from({ length: 100 }, (_, i) => item(i));
    const a = SealedSet.from(items);
    const b = SealedSet.from([...items].reverse());
    assert.equal(hex(a.fingerprint(0, 100)), hex(b.fingerprint(0, 100)));
    const c = SealedSet.from([...items.slice(0, 99), item(1000)]);
    assert.notEqual(hex(a.fingerprint(0, 100)), hex(c.fingerprint(0, 100)));
  });

  it('lowerBound finds the first item at or above a bound, and minimal bounds separate neighbours', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { minLength: 2, maxLength: 40 }), (raw) => {
        const set = SealedSet.from(raw);
        const sorted: SyncItem[] = Array.from({ length: set.size }, (_, i) => set.at(i));
        for (let i = 1; i < sorted.length; i++) {
          assert.ok(compareItems(sorted[i - 1]!, sorted[i]!) < 0);
          const bound = minimalBound(sorted[i - 1]!, sorted[i]!);
          assert.ok(compareItemToBound(sorted[i - 1]!, bound) < 0);
          assert.ok(compareItemToBound(sorted[i]!, bound) >= 0);
          assert.equal(set.lowerBound(bound), i);
        }
      }),
    );
  });
});

describe('SealedSet parts', () => {
  it('survives a structured clone (another thread seals, the main thread wraps)', () => {
    const set = SealedSet.from(Array.from({ length: 50 }, (_, i) => item(i)));
    const copy = SealedSet.fromParts(structuredClone(set.parts()));
    assert.equal(copy.size, 50);
    assert.equal(hex(copy.fingerprint(3, 40)), hex(set.fingerprint(3, 40)));
    const broken = { ...set.parts(), prefix: new Uint32Array(8) };
    assert.throws(() => SealedSet.fromParts(broken), /do not match/);
  });

  it('moves to another thread as four buffers, leaving nothing behind', async () => {
    const set = SealedSet.from(Array.from({ length: 300 }, (_, i) => item(i)));
    const fingerprint = hex(set.fingerprint(0, 300));
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<SealedSetParts>((resolve) => {
      port2.once('message', resolve);
    });
    port1.postMessage(set.parts(), set.transferList());
    const moved = SealedSet.fromParts(await received);
    port1.close();
    assert.equal(moved.size, 300);
    assert.equal(hex(moved.fingerprint(0, 300)), fingerprint);
    assert.deepEqual(moved.at(7), item(7));
    // The sender's buffers are detached: the set was moved, not copied.
    assert.equal(set.parts().ids.byteLength, 0);
    assert.equal(set.parts().prefix.byteLength, 0);
  });

  it('refuses parts whose offsets or types do not describe the items', () => {
    const parts = SealedSet.from([item(1), item(2), item(3)]).parts();
    const backwards = new Uint32Array(parts.offsets);
    backwards[2] = 0;
    assert.throws(() => SealedSet.fromParts({ ...parts, offsets: backwards }), /offsets go back/);
    const short = { ...parts, ids: parts.ids.subarray(0, parts.ids.byteLength - 1) };
    assert.throws(() => SealedSet.fromParts(short), /offsets do not match/);
    const plain = { ...parts, ts: [1000, 2000, 3000] as unknown as Float64Array };
    assert.throws(() => SealedSet.fromParts(plain), TypeError);
  });

  it('lowerBound agrees with comparing every item to any bound', () => {
    const boundArb = fc.record({
      ts: fc.integer({ min: 0, max: 6 }),
      prefix: fc.uint8Array({ maxLength: 7 }),
    });
    fc.assert(
      fc.property(fc.array(itemArb, { maxLength: 40 }), boundArb, (raw, bound) => {
        const set = SealedSet.from(raw);
        let expected = set.size;
        for (let i = 0; i < set.size; i++) {
          if (compareItemToBound(set.at(i), bound) >= 0) {
            expected = i;
            break;
          }
        }
        assert.equal(set.lowerBound(bound), expected);
      }),
    );
  });
});
