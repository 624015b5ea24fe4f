import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { HavesCache } from '../../src/sync/haves-cache.ts';
import { SealedSet } from '../../src/sync/rbsr/index.ts';
import { item } from './rbsr/helpers.ts';

/** A cache over an in-memory "database": rows tagged with a scope, a generation bumped per insert. */
function setup(reuse = true) {
  const rows: { id: number; scope: string; n: number }[] = [];
  let generation = 0;
  let builds = 0;
  const registry = new Registry();
  const cache = new HavesCache(
    {
      registry,
      generation: () => generation,
      async build(scope) {
        builds++;
        await new Promise((r) => setTimeout(r, 5));
        const mine = rows.filter((r) => r.scope === scope);
        return {
          set: SealedSet.from(mine.map((r) => item(r.n))),
          watermark: rows.length === 0 ? 0 : rows[rows.length - 1]!.id,
        };
      },
      async touchedSince(scope, watermark) {
        return rows.some((r) => r.id > watermark && r.scope === scope);
      },
    },
    { reuse },
  );
  const insert = (scope: string, n: number) => {
    rows.push({ id: rows.length + 1, scope, n });
    generation++;
  };
  return { cache, insert, registry, builds: () => builds };
}

describe('HavesCache', () => {
  it('builds a scope once for any number of concurrent callers', async () => {
    const t = setup();
    t.insert('doc:a', 1);
    const sets = await Promise.all(Array.from({ length: 10 }, () => t.cache.get('doc:a')));
    assert.equal(t.builds(), 1);
    assert.ok(sets.every((s) => s === sets[0]));
    assert.equal(sets[0]!.size, 1);
  });

  it('serves later callers from the cache while the generation is unchanged', async () => {
    const t = setup();
    t.insert('doc:a', 1);
    await t.cache.get('doc:a');
    await t.cache.get('doc:a');
    assert.equal(t.builds(), 1);
    const text = await t.registry.getSingleMetricAsString('seedling_haves_requests_total');
    assert.match(text, /outcome="hit"} 1/);
  });

  it('keeps the set when new writes touched other scopes only', async () => {
    const t = setup();
    t.insert('doc:a', 1);
    const first = await t.cache.get('doc:a');
    t.insert('doc:b', 2);
    t.insert('doc:b', 3);
    assert.equal(await t.cache.get('doc:a'), first);
    assert.equal(t.builds(), 1);
  });

  it('rebuilds once when a write touched the scope, and the new set holds it', async () => {
    const t = setup();
    t.insert('doc:a', 1);
    await t.cache.get('doc:a');
    t.insert('doc:a', 2);
    const [x, y] = await Promise.all([t.cache.get('doc:a'), t.cache.get('doc:a')]);
    assert.equal(t.builds(), 2);
    assert.equal(x, y);
    assert.equal(x.size, 2);
    assert.equal(t.cache.builds, 2);
  });

  it('with reuse off (the naive profile), builds for every request', async () => {
    const t = setup(false);
    t.insert('doc:a', 1);
    await Promise.all([t.cache.get('doc:a'), t.cache.get('doc:a')]);
    await t.cache.get('doc:a');
    assert.equal(t.builds(), 3);
  });
});
