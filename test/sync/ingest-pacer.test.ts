import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { metricValue } from '../../src/obs/metrics.ts';
import { IngestPacer } from '../../src/sync/ingest-pacer.ts';

async function timedAdmit(pacer: IngestPacer): Promise<number> {
  const start = performance.now();
  await pacer.admit();
  return performance.now() - start;
}

describe('IngestPacer', () => {
  it('lets a fetch go at once while the loop is healthy and the app quiet', async () => {
    // A lateness bound no loaded test machine reaches: only the app signal is under test here.
    const pacer = new IngestPacer(
      { registry: new Registry(), appActiveWithin: () => false },
      { lagMs: 10_000 },
    );
    pacer.start();
    try {
      assert.ok((await timedAdmit(pacer)) < 15);
    } finally {
      pacer.stop();
    }
  });

  it('holds a fetch while the app is active, at most maxWaitMs, and counts the wait', async () => {
    const registry = new Registry();
    const asked: number[] = [];
    const pacer = new IngestPacer(
      {
        registry,
        appActiveWithin: (ms) => {
          asked.push(ms);
          return true;
        },
      },
      { maxWaitMs: 60, appQuietMs: 40, lagMs: 10_000 },
    );
    pacer.start();
    try {
      const waited = await timedAdmit(pacer);
      assert.ok(waited >= 55 && waited < 500, `waited ${waited.toFixed(0)} ms`);
      assert.equal(asked[0], 40, 'asks about the configured quiet window');
      const paced = (await metricValue(registry, 'seedling_sync_paced_seconds_total')) ?? 0;
      assert.ok(paced >= 0.05, `paced ${paced} s`);
    } finally {
      pacer.stop();
    }
  });

  it('releases the fetch as soon as the app goes quiet', async () => {
    const quietAt = performance.now() + 40;
    const pacer = new IngestPacer(
      { registry: new Registry(), appActiveWithin: () => performance.now() < quietAt },
      { maxWaitMs: 1_000, lagMs: 10_000 },
    );
    pacer.start();
    try {
      const waited = await timedAdmit(pacer);
      assert.ok(waited >= 30 && waited < 300, `waited ${waited.toFixed(0)} ms`);
    } finally {
      pacer.stop();
    }
  });

  it('ignores the app when appQuietMs is 0', async () => {
    const pacer = new IngestPacer(
      { registry: new Registry(), appActiveWithin: () => true },
      { appQuietMs: 0, lagMs: 10_000 },
    );
    pacer.start();
    try {
      assert.ok((await timedAdmit(pacer)) < 15);
    } finally {
      pacer.stop();
    }
  });
});
