import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { metricValue } from '../../src/obs/metrics.ts';
import { IngestRateLimit } from '../../src/sync/ingest-rate.ts';

async function timed(f: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await f();
  return performance.now() - start;
}

describe('IngestRateLimit', () => {
  it('lets fetches go at once while the bucket holds bytes', async () => {
    const rate = new IngestRateLimit({ registry: new Registry() }, { bytesPerSec: 100_000 });
    rate.charge(60_000); // within the one-second bucket
    assert.ok((await timed(() => rate.wait())) < 15);
  });

  it('makes the next fetch wait until the debt is paid, and counts the wait', async () => {
    const registry = new Registry();
    const rate = new IngestRateLimit({ registry }, { bytesPerSec: 100_000, burstSeconds: 0 });
    rate.charge(20_000); // 200 ms of the cap
    const waited = await timed(() => rate.wait());
    assert.ok(waited >= 190, `waited ${waited} ms for a 200 ms debt`);
    assert.ok(waited < 1_000, `waited ${waited} ms for a 200 ms debt`);
    assert.ok(
      ((await metricValue(registry, 'seedling_sync_rate_limited_seconds_total')) ?? 0) >= 0.19,
    );
    assert.equal(await metricValue(registry, 'seedling_sync_rate_limit_bytes_per_second'), 100_000);
  });

  it('holds the rate over many fetches from concurrent pulls', async () => {
    const rate = new IngestRateLimit({ registry: new Registry() }, { bytesPerSec: 200_000 });
    // Three pulls, each fetching 10 replies of 10 kB: 300 kB in all, of which the bucket pays
    // 200 kB at once; the other 100 kB take half a second at the cap.
    const start = performance.now();
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let i = 0; i < 10; i++) {
          await rate.wait();
          rate.charge(10_000);
        }
      }),
    );
    const elapsed = performance.now() - start;
    assert.ok(elapsed >= 300, `300 kB at 200 kB/s with a 200 kB bucket took ${elapsed} ms`);
    assert.ok(elapsed < 1_500, `300 kB at 200 kB/s took ${elapsed} ms`);
  });

  it('never saves more than its bucket: a quiet spell buys one bucket, not more', async () => {
    const rate = new IngestRateLimit(
      { registry: new Registry() },
      { bytesPerSec: 1_000_000, burstSeconds: 0.05 },
    );
    await new Promise((r) => setTimeout(r, 150)); // 150 kB of quiet, bucket 50 kB
    rate.charge(150_000);
    const waited = await timed(() => rate.wait());
    assert.ok(waited >= 90, `a 100 kB debt at 1 MB/s waited only ${waited} ms`);
  });

  it('stops waiting when its pull is cancelled', async () => {
    const rate = new IngestRateLimit({ registry: new Registry() }, { bytesPerSec: 1_000 });
    rate.charge(1_000_000); // far beyond the test's time
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 20);
    await assert.rejects(rate.wait(abort.signal), { name: 'AbortError' });
  });

  it('refuses a cap that is not a positive rate, naming it', () => {
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => new IngestRateLimit({ registry: new Registry() }, { bytesPerSec: bad }),
        /sync rate cap must be a positive number of bytes\/s/,
      );
    }
  });
});
