import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter } from 'prom-client';
import {
  createRegistry,
  LightCounter,
  LightHistogram,
  metricValue,
} from '../../src/obs/metrics.ts';

test('createRegistry collects Node metrics with the seedling_ prefix, apart from the global registry', async () => {
  const a = createRegistry({ labels: { node: 'a' } });
  const b = createRegistry({ defaultMetrics: false });
  const text = await a.metrics();
  assert.match(text, /^seedling_process_cpu_user_seconds_total\{node="a"\} /m);
  assert.equal((await b.metrics()).trim(), '');
  // The same metric name registers on two registries without a clash.
  for (const registers of [[a], [b]])
    new Counter({ name: 'seedling_x_total', help: 'x', registers }).inc(2);
  assert.equal(await metricValue(a, 'seedling_x_total'), 2);
  assert.equal(await metricValue(b, 'seedling_x_total', { node: 'none' }), undefined);
  assert.equal(await metricValue(b, 'seedling_missing'), undefined);
});

test('light metrics expose cumulative buckets, sum and count in the Prometheus text format', async () => {
  const registry = createRegistry({ defaultMetrics: false });
  const h = new LightHistogram(registry, {
    name: 'seedling_t_seconds',
    help: 't',
    labelNames: ['kind'],
    buckets: [0.01, 0.1, 1],
  });
  const c = new LightCounter(registry, {
    name: 'seedling_t_total',
    help: 't',
    labelNames: ['kind'],
  });
  const w = h.child('write');
  for (const v of [0.005, 0.05, 0.05, 5]) w.observe(v);
  c.child('write').inc();
  c.child('write').inc(2);
  const text = await registry.metrics();
  assert.match(text, /# TYPE seedling_t_seconds histogram/);
  assert.match(text, /seedling_t_seconds_bucket\{kind="write",le="0.01"\} 1\n/);
  assert.match(text, /seedling_t_seconds_bucket\{kind="write",le="0.1"\} 3\n/);
  assert.match(text, /seedling_t_seconds_bucket\{kind="write",le="1"\} 3\n/);
  assert.match(text, /seedling_t_seconds_bucket\{kind="write",le="\+Inf"\} 4\n/);
  assert.match(text, /seedling_t_seconds_sum\{kind="write"\} 5.105\n/);
  assert.match(text, /seedling_t_seconds_count\{kind="write"\} 4/);
  assert.match(text, /# TYPE seedling_t_total counter\nseedling_t_total\{kind="write"\} 3/);
  assert.equal(await metricValue(registry, 'seedling_t_total', { kind: 'write' }), 3);
  assert.throws(
    () => new LightCounter(registry, { name: 'seedling_t_total', help: 't' }),
    /already been registered/,
  );
});
