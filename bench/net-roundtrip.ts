/**
 * Sync protocol over real libp2p nodes on 127.0.0.1: latency of one reconcile round (a new stream
 * per request), the same with 8 in flight, and FetchReply throughput with 1 MiB blobs.
 * Usage: node bench/net-roundtrip.ts [--quick]. Prints a table, then one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { createSeedlingNode, type FetchedBlob } from '../src/net/index.ts';

const quick = process.argv.includes('--quick');
const rounds = quick ? 200 : 2_000;
const fetches = quick ? 10 : 60;
const dir = mkdtempSync(join(tmpdir(), 'seedling-bench-net-'));

const blobs: FetchedBlob[] = [];
for (let i = 0; i < 3; i++) {
  const data = new Uint8Array(1024 * 1024).fill(i);
  blobs.push({ cid: CID.createV1(raw.code, await sha256.digest(data)).bytes, data });
}
const rbsr = new Uint8Array(600).fill(7);

const server = await createSeedlingNode(
  {
    handlers: {
      onReconcile: async (_p, _s, msg) => msg,
      onFetch: async () => blobs,
      onAnnounce: () => {},
    },
  },
  // 8 requests in flight from one client: lift the per-peer cap (default 2) for this measurement.
  { dataDir: join(dir, 'a'), protocol: { maxInboundPerPeer: 8 } },
);
const client = await createSeedlingNode({}, { dataDir: join(dir, 'b') });
const addr = server.multiaddrs()[0]!;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

try {
  await client.protocol.reconcile(addr, 'warm', rbsr);
  const lat: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await client.protocol.reconcile(server.peerId, 'bench', rbsr);
    lat.push(performance.now() - t);
  }
  const t8 = performance.now();
  const inFlight = 8;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = 0; i < rounds / inFlight; i++)
        await client.protocol.reconcile(server.peerId, 'b', rbsr);
    }),
  );
  const parallelPerSec = rounds / ((performance.now() - t8) / 1000);
  const tf = performance.now();
  let bytes = 0;
  for (let i = 0; i < fetches; i++) {
    const got = await client.protocol.fetch(
      server.peerId,
      blobs.map((b) => b.cid),
    );
    for (const b of got) bytes += b.data.byteLength;
  }
  const fetchMiBs = bytes / 1024 / 1024 / ((performance.now() - tf) / 1000);

  const result = {
    bench: 'net-roundtrip',
    quick,
    reconcileP50Ms: +pct(lat, 50).toFixed(3),
    reconcileP99Ms: +pct(lat, 99).toFixed(3),
    reconcileSerialPerSec: Math.round(rounds / (lat.reduce((a, b) => a + b, 0) / 1000)),
    reconcile8InFlightPerSec: Math.round(parallelPerSec),
    fetchMiBPerSec: +fetchMiBs.toFixed(1),
  };
  console.log('what                              value');
  console.log(
    `reconcile round p50 / p99 (ms)    ${result.reconcileP50Ms} / ${result.reconcileP99Ms}`,
  );
  console.log(`reconcile rounds/s, serial        ${result.reconcileSerialPerSec}`);
  console.log(
    `reconcile rounds/s, 8 in flight   ${result.reconcile8InFlightPerSec}  (×${(result.reconcile8InFlightPerSec / result.reconcileSerialPerSec).toFixed(2)})`,
  );
  console.log(`fetch throughput (MiB/s)          ${result.fetchMiBPerSec}`);
  console.log(JSON.stringify(result));
} finally {
  await client.stop();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
