import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createSeedlingNode, type SeedlingNode } from '../../src/net/node.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createSync, type Sync, type SyncInit } from '../../src/sync/create-sync.ts';

const EXTENSIONS = [
  new URL('../../src/index/store-extension.ts', import.meta.url),
  new URL('../../src/net/store-extension.ts', import.meta.url),
  new URL('../../src/sync/store-extension.ts', import.meta.url),
];

/** A whole syncing node on 127.0.0.1: real SQLite store in a temp dir, real libp2p, real sync engine. */
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
  const registry = new Registry();
  const store = await openStore(
    { registry },
    { path: join(dir, 'db.sqlite'), extensions: EXTENSIONS },
  );
  const net = await createSeedlingNode(
    { registry, store },
    { dataDir: dir, protocol: { requestTimeoutMs: options.requestTimeoutMs ?? 5_000 } },
  );
  const sync = createSync({ store, net, registry }, init);
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
      await sync.close();
      await net.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return node;
}
