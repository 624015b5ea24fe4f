import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startNode } from '../../src/node.ts';

type Health = { status: string; problems: string[]; generation: number; uptimeSeconds: number };

async function health(
  url: string,
): Promise<{ status: number; body: Health; cache: string | null }> {
  const res = await fetch(`${url}/health`);
  return {
    status: res.status,
    body: (await res.json()) as Health,
    cache: res.headers.get('cache-control'),
  };
}

describe('GET /health', () => {
  it('answers 200 while the store works, and 503 naming the part when a thread of it dies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedling-health-'));
    const node = await startNode({
      dataDir: dir,
      http: { port: 0 },
      p2p: false,
      store: { readerThreads: 1 },
    });
    try {
      const ok = await health(node.url);
      assert.equal(ok.status, 200);
      assert.equal(ok.cache, 'no-store');
      assert.equal(ok.body.status, 'ok');
      assert.deepEqual(ok.body.problems, []);
      assert.equal(ok.body.generation, node.store.generation.get());
      assert.ok(ok.body.uptimeSeconds >= 0);
      // Monitoring is not the app using the node (which would slow sync's CPU work for a while).
      await new Promise((r) => setTimeout(r, 300)); // past the start-up's own reads
      await health(node.url);
      await (await fetch(`${node.url}/metrics`)).text();
      assert.equal(node.store.appActiveWithin(250), false, 'a health check or a scrape');
      await (await fetch(`${node.url}/api/ListEvents`)).text();
      assert.equal(node.store.appActiveWithin(250), true, 'an API call');

      const thread = (name: string) => node.store.threads().find((t) => t.name === name)?.worker;
      await thread('checkpointer')?.terminate();
      const noCheckpoints = await health(node.url);
      assert.equal(noCheckpoints.status, 503);
      assert.equal(noCheckpoints.body.status, 'failing');
      assert.match(noCheckpoints.body.problems.join('\n'), /^checkpointer: stopped; the WAL/m);

      await thread('writer')?.terminate();
      const noWrites = await health(node.url);
      assert.equal(noWrites.status, 503);
      assert.match(
        noWrites.body.problems.join('\n'),
        /^writer: writer thread exited .*no write can commit until a restart$/m,
      );
      // What the health check says is so: a write fails.
      await assert.rejects(
        node.store.write({ op: 't', class: 'interactive', handler: 'store.putBlobs', payload: [] }),
      );
    } finally {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
