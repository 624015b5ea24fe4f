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

test('an idle loop reads near 0, not the sampling period', async () => {
  const lag = new EventLoopLag({ registry: new Registry() }, { resolutionMs: 10 });
  lag.start();
  await sleep(300);
  lag.stop();
  // Raw, the histogram would read ≥ 10 ms here: the time between two firings of a 10 ms timer.
  assert.ok(lag.p50Ms() >= 0 && lag.p50Ms() < 5, `p50 ${lag.p50Ms()}`);
  assert.ok(lag.p99Ms() < 20, `p99 ${lag.p99Ms()}`);
});

test('a block of B ms reads as about B ms of lag, whatever the sampling period', async () => {
  for (const resolutionMs of [2, 20]) {
    const lag = new EventLoopLag({ registry: new Registry() }, { resolutionMs });
    lag.start();
    try {
      await sleep(3 * resolutionMs);
      block(80);
      await sleep(3 * resolutionMs);
      // The timer falls due somewhere in the block: late by 80 − period at least, 80 at most.
      assert.ok(
        lag.maxMs() >= 80 - resolutionMs - 1 && lag.maxMs() < 80 + 15,
        `period ${resolutionMs} ms: max ${lag.maxMs()}`,
      );
    } finally {
      lag.stop();
    }
  }
});
