/**
 * Blob verification throughput, in one run:
 *   raw           node:crypto Ed25519 verify of the very messages the blobs sign (prebuilt
 *                 KeyObjects): the ceiling;
 *   verifyBlob    the full single-thread pipeline (size, CID parse + hash check, canonical
 *                 DAG-CBOR decode, typed decode, sig patch, verify), CIDs given as strings as
 *                 they arrive from peers (and, for reference, as CID objects);
 *   pool          the same on a piscina pool of os.availableParallelism() threads, batches of
 *                 blobs transferred as one buffer per task; and on a 1-thread pool for scaling;
 *   p256          the same blobs signed by ECDSA P-256 keys (Seed's web signers): raw
 *                 node:crypto verify and verifyBlob, single thread.
 * Usage: node bench/verify.ts [--quick]. Prints a table, then one JSON line.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { CID } from 'multiformats/cid';
import { Piscina } from 'piscina';
import { decodeStructuralBlob } from '../src/blob/decode-blob.ts';
import type { KeyPair } from '../src/blob/keys.ts';
import { signedBytes } from '../src/blob/signature.ts';
import { verifyBlob } from '../src/blob/verify-blob.ts';
import { makeComment, makeDocument, testKey } from '../test/fixtures/blob-factory.ts';
import { p256Key } from '../test/fixtures/p256-key.ts';
import type { PackedBatch } from './verify-worker.ts';

const quick = process.argv.includes('--quick');
const docs = quick ? 150 : 600; // each: genesis + 4 changes + Ref + Comment = 7 blobs
const seconds = quick ? 3 : 10; // per measure, split into `samples` interleaved runs
const samples = quick ? 3 : 5;
const batchSize = 256;
const poolThreads = availableParallelism();
const SPKI_ED25519_HEADER = Buffer.from('302a300506032b6570032100', 'hex');

type Blob = { cid: CID; cidText: string; data: Uint8Array };

function buildBlobs(keys: KeyPair[]): Blob[] {
  const out: Blob[] = [];
  for (let d = 0; d < docs; d++) {
    const doc = makeDocument(keys[d % keys.length]!, { changes: 4, path: `/doc-${d}` });
    const comment = makeComment(keys[(d + 3) % keys.length]!, {
      space: doc.ref.blob.signer,
      version: doc.ref.blob.heads,
    });
    for (const b of [...doc.all, comment]) out.push({ ...b, cidText: b.cid.toString() });
  }
  return out;
}

type Measure = { name: string; perRound: number; round: () => unknown; best: number };

/**
 * Samples every measure in turn, `samples` times, each for `seconds / samples`, and keeps each
 * one's best rate: the machine is shared, and interleaving keeps a burst of outside load from
 * landing on one measure only.
 */
async function sampleAll(measures: Measure[]): Promise<void> {
  for (const m of measures) await m.round(); // warm-up: JIT, KeyObject cache, pool threads
  for (let s = 0; s < samples; s++) {
    for (const m of measures) {
      const start = performance.now();
      let items = 0;
      while (performance.now() - start < (seconds * 1000) / samples) {
        await m.round();
        items += m.perRound;
      }
      m.best = Math.max(m.best, items / ((performance.now() - start) / 1000));
    }
  }
}

function rawRound(msgs: { message: Uint8Array; sig: Uint8Array; key: KeyObject }[]): void {
  for (const m of msgs)
    if (!verify(null, m.message, m.key, m.sig)) throw new Error('raw verify failed');
}

/** ECDSA P-256 as Seed's web signers make it: SHA-256, signature r‖s. */
function rawP256Round(msgs: { message: Uint8Array; sig: Uint8Array; key: KeyObject }[]): void {
  for (const m of msgs) {
    if (!verify('sha256', m.message, { key: m.key, dsaEncoding: 'ieee-p1363' }, m.sig)) {
      throw new Error('raw P-256 verify failed');
    }
  }
}

function packBatch(blobs: Blob[]): PackedBatch {
  const total = blobs.reduce((n, b) => n + b.data.length, 0);
  const bytes = new Uint8Array(total);
  const ends = new Uint32Array(blobs.length);
  let at = 0;
  blobs.forEach((b, i) => {
    bytes.set(b.data, at);
    at += b.data.length;
    ends[i] = at;
  });
  return { bytes: bytes.buffer, ends, cids: blobs.map((b) => b.cidText) };
}

function newPool(threads: number): Piscina {
  return new Piscina({
    filename: new URL('./verify-worker.ts', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
}

/** One round on the pool: every blob, in batches of `batchSize`, all batches in flight at once. */
async function poolRound(pool: Piscina, blobs: Blob[]): Promise<void> {
  const tasks: Promise<{ ok: number; failed: number }>[] = [];
  for (let i = 0; i < blobs.length; i += batchSize) {
    const batch = packBatch(blobs.slice(i, i + batchSize));
    tasks.push(pool.run(batch, { transferList: [batch.bytes, batch.ends.buffer] }));
  }
  for (const r of await Promise.all(tasks)) if (r.failed) throw new Error('pool verify failed');
}

const blobs = buildBlobs(Array.from({ length: 8 }, (_, i) => testKey(`bench-${i}`)));
const avgBytes = Math.round(blobs.reduce((n, b) => n + b.data.length, 0) / blobs.length);
const msgs = blobs.map((b) => {
  const blob = decodeStructuralBlob(b.data);
  const key = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_HEADER, blob.signer.subarray(2)]),
    format: 'der',
    type: 'spki',
  });
  return { message: signedBytes(b.data), sig: blob.sig, key };
});
const p256Keys = Array.from({ length: 8 }, () => p256Key());
const p256Blobs = buildBlobs(p256Keys);
const p256Msgs = p256Blobs.map((b) => {
  const blob = decodeStructuralBlob(b.data);
  const owner = p256Keys.find((k) => k.principal.every((x, i) => x === blob.signer[i]))!;
  return { message: signedBytes(b.data), sig: blob.sig, key: createPublicKey(owner.privateKey) };
});

const pool1 = newPool(1);
const poolN = newPool(poolThreads);
const measure = (name: string, round: () => unknown): Measure => ({
  name,
  perRound: blobs.length,
  round,
  best: 0,
});
const measures = [
  measure('raw', () => rawRound(msgs)),
  measure('single', () => {
    for (const b of blobs) verifyBlob({ cid: b.cidText, data: b.data });
  }),
  measure('singleCidObject', () => {
    for (const b of blobs) verifyBlob({ cid: b.cid, data: b.data });
  }),
  measure('pool1', () => poolRound(pool1, blobs)),
  measure('poolN', () => poolRound(poolN, blobs)),
  measure('rawP256', () => rawP256Round(p256Msgs)),
  measure('singleP256', () => {
    for (const b of p256Blobs) verifyBlob({ cid: b.cidText, data: b.data });
  }),
];
try {
  await sampleAll(measures);
} finally {
  await Promise.all([pool1.destroy(), poolN.destroy()]);
}
const [
  rawVerifyPerSec,
  singleThreadPerSec,
  singleThreadCidObjectPerSec,
  pool1PerSec,
  poolPerSec,
  rawP256PerSec,
  singleP256PerSec,
] = measures.map((m) => m.best) as [number, number, number, number, number, number, number];

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10);
const rows: [string, number, string][] = [
  ['raw node:crypto Ed25519 verify', rawVerifyPerSec, '100%'],
  ['verifyBlob, CID strings', singleThreadPerSec, pctOf(singleThreadPerSec)],
  ['verifyBlob, CID objects', singleThreadCidObjectPerSec, pctOf(singleThreadCidObjectPerSec)],
  ['piscina pool, 1 thread', pool1PerSec, pctOf(pool1PerSec)],
  [`piscina pool, ${poolThreads} threads`, poolPerSec, pctOf(poolPerSec)],
  ['raw node:crypto P-256 verify', rawP256PerSec, pctOf(rawP256PerSec)],
  ['verifyBlob, P-256 signers', singleP256PerSec, pctOf(singleP256PerSec)],
];
function pctOf(n: number): string {
  return `${Math.round((100 * n) / rawVerifyPerSec)}%`;
}
console.log(
  `blobs: ${blobs.length} (Change/Ref/Comment, avg ${avgBytes} B), best of ${samples} interleaved samples, ${seconds} s per row, batches of ${batchSize}`,
);
console.log(`${'measure'.padEnd(34)}${'blobs/s'.padStart(10)}  vs raw`);
for (const [name, n, p] of rows) console.log(`${name.padEnd(34)}${fmt(n)}  ${p.padStart(6)}`);
console.log(
  JSON.stringify({
    bench: 'verify',
    quick,
    blobs: blobs.length,
    avgBytes,
    rawVerifyPerSec: Math.round(rawVerifyPerSec),
    singleThreadPerSec: Math.round(singleThreadPerSec),
    singleThreadCidObjectPerSec: Math.round(singleThreadCidObjectPerSec),
    singleVsRaw: Number((singleThreadPerSec / rawVerifyPerSec).toFixed(3)),
    pool1PerSec: Math.round(pool1PerSec),
    poolPerSec: Math.round(poolPerSec),
    poolThreads,
    poolScaling: Number((poolPerSec / pool1PerSec).toFixed(2)),
    rawP256VerifyPerSec: Math.round(rawP256PerSec),
    singleThreadP256PerSec: Math.round(singleP256PerSec),
  }),
);
