import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import superjson from 'superjson';
import { toSuperjsonText } from '../../src/api/superjson-text.ts';

/** What a serializer does with a value: its text, or the error it throws. */
function outcome(stringify: (v: unknown) => string, value: unknown): string {
  try {
    return stringify(value);
  } catch (err) {
    return `threw: ${(err as Error).message}`;
  }
}

function assertSame(value: unknown): void {
  assert.equal(outcome(toSuperjsonText, value), outcome(superjson.stringify, value));
}

/** The fast path must write byte-for-byte what superjson writes (or throw as it does), whatever the value. */
describe('toSuperjsonText', () => {
  it('equals superjson.stringify for arbitrary values, JSON-safe or not', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withSparseArray: true,
          withBoxedValues: true,
          withTypedArray: true,
          withObjectString: true,
        }),
        (value) => assertSame(value),
      ),
      { numRuns: 2000 },
    );
  });

  it('equals superjson.stringify for arbitrary JSON values (the fast path)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => assertSame(value)),
      { numRuns: 2000 },
    );
  });

  it('equals superjson.stringify on the edge cases JSON gets wrong', () => {
    class Card {
      title = 'x';
    }
    const cases: unknown[] = [
      { a: undefined },
      [1, undefined, 3],
      // biome-ignore lint/suspicious/noSparseArray: a hole is the case under test
      [1, , 3],
      -0,
      { n: -0 },
      Number.NaN,
      { n: Number.POSITIVE_INFINITY },
      { d: new Date(0) },
      { b: 10n },
      { m: new Map([['k', 1]]) },
      new Set([1]),
      new Card(),
      { toJSON: () => 'other' },
      JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'),
      Object.create(null),
      /re/g,
      { deep: { er: [{ id: 'hm://z6Mk/a', n: 1.5, ok: true, none: null }] } },
      'plain string',
      (() => {
        const shared = { x: 1 };
        return { a: shared, b: [shared] };
      })(),
      { constructor: 1 },
      { nested: { prototype: null } },
      null,
    ];
    for (const value of cases) assertSame(value);
    // superjson refuses these keys; the fast path must not quietly accept them.
    assert.throws(() => toSuperjsonText(JSON.parse('{"__proto__": 1}')), /__proto__/);
  });

  it('keeps a deeply nested value exact', () => {
    let deep: unknown = { leaf: 1 };
    for (let i = 0; i < 100; i++) deep = { next: deep };
    assertSame(deep);
  });
});
