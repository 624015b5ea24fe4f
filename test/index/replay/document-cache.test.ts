import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { DocumentCache, documentSize } from '../../../src/index/document-cache.ts';
import type { DocumentState } from '../../../src/index/replay/document-state.ts';
import { emptyDocumentState } from '../../../src/index/replay/prepare-change.ts';
import { metricValue } from '../../../src/obs/metrics.ts';

function doc(blocks: number, name = 'x'): DocumentState {
  const state = emptyDocumentState();
  state.metadata = { name };
  state.content = Array.from({ length: blocks }, (_, i) => ({
    block: { id: `b${i}`, type: 'Paragraph', annotations: [], attributes: {} },
  }));
  return state;
}

const key = (version: string) => ({ document: 'hm://z6Mkabc/doc', version });

test('two concurrent gets of one key share one computation', async () => {
  const registry = new Registry();
  const cache = new DocumentCache({ registry });
  let computes = 0;
  let release!: (state: DocumentState) => void;
  const compute = () => {
    computes++;
    return new Promise<DocumentState>((resolve) => {
      release = resolve;
    });
  };
  const first = cache.get(key('v1'), compute);
  const second = cache.get(key('v1'), compute);
  release(doc(2));
  const [a, b] = await Promise.all([first, second]);
  assert.equal(computes, 1);
  assert.equal(a, b);
  assert.equal(await metricValue(registry, 'seedling_document_cache_misses_total'), 1);
  assert.equal(await metricValue(registry, 'seedling_document_cache_joins_total'), 1);
  const third = await cache.get(key('v1'), compute);
  assert.equal(third, a);
  assert.equal(computes, 1);
  assert.equal(await metricValue(registry, 'seedling_document_cache_hits_total'), 1);
  assert.equal(await metricValue(registry, 'seedling_document_cache_entries'), 1);
  const histogram = await registry
    .getSingleMetric('seedling_document_cache_compute_seconds')!
    .get();
  const count = histogram.values.find(
    (v) =>
      (v as { metricName?: string }).metricName === 'seedling_document_cache_compute_seconds_count',
  );
  assert.equal(count?.value, 1);
});

test('different versions of one document are different entries', async () => {
  const cache = new DocumentCache({ registry: new Registry() });
  const v1 = await cache.get(key('v1'), async () => doc(1, 'one'));
  const v2 = await cache.get(key('v2'), async () => doc(1, 'two'));
  assert.equal(v1.metadata.name, 'one');
  assert.equal(v2.metadata.name, 'two');
  assert.equal(cache.size, 2);
});

test('a failed computation reaches every waiter and is not cached', async () => {
  const registry = new Registry();
  const cache = new DocumentCache({ registry });
  let computes = 0;
  const failing = async () => {
    computes++;
    await new Promise((r) => setTimeout(r, 5));
    throw new Error('replay failed');
  };
  const results = await Promise.allSettled([
    cache.get(key('v'), failing),
    cache.get(key('v'), failing),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  assert.equal(computes, 1);
  assert.equal(cache.peek(key('v')), undefined);
  const ok = await cache.get(key('v'), async () => doc(1));
  assert.equal(ok.content.length, 1);
  assert.equal(await metricValue(registry, 'seedling_document_cache_failures_total'), 1);
});

test('the least recently used entry is evicted past maxEntries, and past maxSize in blocks', async () => {
  const registry = new Registry();
  const cache = new DocumentCache({ registry }, { maxEntries: 2 });
  await cache.get(key('a'), async () => doc(1));
  await cache.get(key('b'), async () => doc(1));
  await cache.get(key('a'), async () => doc(1)); // a is now the most recent
  await cache.get(key('c'), async () => doc(1));
  assert.equal(cache.peek(key('b')), undefined);
  assert.ok(cache.peek(key('a')));
  assert.ok(cache.peek(key('c')));
  assert.equal(await metricValue(registry, 'seedling_document_cache_evictions_total'), 1);

  const bySize = new DocumentCache({ registry: new Registry() }, { maxSize: 10 });
  await bySize.get(key('big1'), async () => doc(4)); // size 5
  await bySize.get(key('big2'), async () => doc(4)); // size 5, total 10
  await bySize.get(key('big3'), async () => doc(4)); // evicts big1
  assert.equal(bySize.peek(key('big1')), undefined);
  assert.equal(bySize.size, 2);
});

test('documentSize counts nested blocks', () => {
  const state = doc(2);
  state.content[0]!.children = [
    { block: { id: 'c', type: 'Paragraph', annotations: [], attributes: {} } },
  ];
  assert.equal(documentSize(state), 4);
});
