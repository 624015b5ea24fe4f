import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { InvalidInputError } from '../../src/errors.ts';
import { metricValue } from '../../src/obs/metrics.ts';
import { OperationTracker } from '../../src/obs/operation-tracker.ts';

test('slowest() ranks recent operations by wait + run, slowest first', () => {
  const tracker = new OperationTracker({ registry: new Registry() }, { capacity: 8 });
  tracker.record({ op: 'a', kind: 'write', waitMs: 1, runMs: 1, ok: true });
  tracker.record({ op: 'b', kind: 'read', waitMs: 50, runMs: 5, ok: true });
  tracker.record({ op: 'c', kind: 'write', waitMs: 0, runMs: 30, ok: false });
  const slow = tracker.slowest(2);
  assert.deepEqual(
    slow.map((r) => [r.op, r.kind, r.waitMs, r.runMs, r.ok]),
    [
      ['b', 'read', 50, 5, true],
      ['c', 'write', 0, 30, false],
    ],
  );
  assert.ok(slow.every((r) => Math.abs(r.at - Date.now()) < 5_000));
});

test('the ring keeps only the last `capacity` operations', () => {
  const tracker = new OperationTracker({ registry: new Registry() }, { capacity: 3 });
  tracker.record({ op: 'old-and-slow', kind: 'write', waitMs: 0, runMs: 1_000, ok: true });
  for (let i = 0; i < 3; i++)
    tracker.record({ op: `new${i}`, kind: 'read', waitMs: 0, runMs: i, ok: true });
  assert.deepEqual(
    tracker.slowest().map((r) => r.op),
    ['new2', 'new1', 'new0'],
  );
  assert.deepEqual(
    tracker.recent(2).map((r) => r.op),
    ['new2', 'new1'],
  );
});

test('records feed per-kind histograms and ok/failed counters', async () => {
  const registry = new Registry();
  const tracker = new OperationTracker({ registry });
  tracker.record({ op: 'w', kind: 'write', waitMs: 2, runMs: 3, ok: true });
  tracker.record({ op: 'w', kind: 'write', waitMs: 2, runMs: 3, ok: false });
  tracker.record({ op: 'r', kind: 'read', waitMs: 0, runMs: 1, ok: true });
  assert.equal(
    await metricValue(registry, 'seedling_operations_total', { kind: 'write', result: 'ok' }),
    1,
  );
  assert.equal(
    await metricValue(registry, 'seedling_operations_total', { kind: 'write', result: 'failed' }),
    1,
  );
  assert.equal(await metricValue(registry, 'seedling_operations_total', { kind: 'read' }), 1);
  const text = await registry.metrics();
  assert.match(text, /seedling_operation_run_seconds_count\{kind="write"\} 2/);
  assert.match(text, /seedling_operation_wait_seconds_sum\{kind="write"\} 0\.004/);
});

test('enabled: false records nothing and moves no metric', async () => {
  const registry = new Registry();
  const tracker = new OperationTracker({ registry }, { enabled: false });
  tracker.record({ op: 'w', kind: 'write', waitMs: 1, runMs: 1, ok: true });
  assert.deepEqual(tracker.slowest(), []);
  assert.equal(await metricValue(registry, 'seedling_operations_total'), 0);
  assert.match(await registry.metrics(), /seedling_operation_run_seconds_count\{kind="write"\} 0/);
});

test('a bad capacity is refused with the field named', () => {
  assert.throws(
    () => new OperationTracker({ registry: new Registry() }, { capacity: 0 }),
    (err) => err instanceof InvalidInputError && err.field === 'capacity',
  );
});
