import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { EventLoopLag } from '../../src/obs/event-loop-lag.ts';
import { metricValue } from '../../src/obs/metrics.ts';

function block(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // hold the event loop on purpose
  }
}

test('a blocked event loop shows up in max and p99; reset forgets it', async () => {
  const registry = new Registry();
  const lag = new EventLoopLag({ registry }, { resolutionMs: 5 });
  assert.equal(lag.p99Ms(), 0);
  lag.start();
  try {
    await sleep(30);
    block(120);
    await sleep(30);
    assert.ok(lag.maxMs() >= 100, `max ${lag.maxMs()}`);
    assert.ok(lag.p99Ms() >= 100, `p99 ${lag.p99Ms()}`);
    const gauge = (await metricValue(registry, 'seedling_event_loop_lag_max_seconds')) ?? 0;
    assert.ok(gauge >= 0.1, `gauge ${gauge}`);
    lag.reset();
    await sleep(60);
    assert.ok(lag.maxMs() < 100, `after reset max ${lag.maxMs()}`);
  } finally {
    lag.stop();
  }
});

test('an idle loop reads well under 20 ms p99', async () => {
  const lag = new EventLoopLag({ registry: new Registry() }, { resolutionMs: 5 });
  lag.start();
  await sleep(150);
  lag.stop();
  assert.ok(lag.p99Ms() > 0 && lag.p99Ms() < 20, `p99 ${lag.p99Ms()}`);
});
