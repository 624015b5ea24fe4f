import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { SeedlingNode } from '../../src/net/node.ts';
import { startNode } from '../../src/node.ts';
import type { Store } from '../../src/store/store.ts';
import type { Sync, SyncInit } from '../../src/sync/create-sync.ts';

/** A whole node on 127.0.0.1 as `startNode` builds it (store, libp2p, sync, API on port 0), in a temp dir. */
export type TestNode = {
  dir: string;
  store: Store;
  net: SeedlingNode;
  sync: Sync;
  registry: Registry;
  addr: string;
  publish(blobs: { cid: { toString(): string }; data: Uint8Array }[]): Promise<void>;
  blobCount(): Promise<number>;
  close(): Promise<void>;
};

export async function startTestNode(
  init: SyncInit = {},
  options: { requestTimeoutMs?: number } = {},
): Promise<TestNode> {
  const dir = mkdtempSync(join(tmpdir(), 'seedling-sync-'));
  const handle = await startNode({
    dataDir: dir,
    http: { host: '127.0.0.1', port: 0 },
    p2p: {
      listen: ['/ip4/127.0.0.1/tcp/0'],
      protocol: { requestTimeoutMs: options.requestTimeoutMs ?? 5_000 },
    },
    sync: init,
  });
  const { store, registry } = handle;
  const net = handle.net!;
  const sync = handle.sync!;
  const node: TestNode = {
    dir,
    store,
    net,
    sync,
    registry,
    addr: net.multiaddrs()[0]!.toString(),
    async publish(blobs) {
      const prepared = await store.read<unknown[]>({
        op: 'test.publish',
        handler: 'index.prepareBlobs',
        args: blobs.map((b) => ({ cid: b.cid.toString(), data: b.data })),
      });
      const results = await store.write<{ ok: boolean; error?: string }[]>({
        op: 'test.publish',
        class: 'interactive',
        handler: 'index.putBlobs',
        payload: prepared,
      });
      const bad = results.find((r) => !r.ok);
      if (bad) throw new Error(`publish failed: ${bad.error}`);
    },
    blobCount: () =>
      store.read<number>({ op: 'test.count', handler: 'store.countBlobs', args: {} }),
    async close() {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return node;
}
