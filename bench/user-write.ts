/**
 * The user's write under a sync storm on a busy main thread: how long a publish waits for its
 * COMMIT, with the writer's express lane (writer.ts, invariant 6) and without it, side by side.
 *
 * In a real storm the main thread's event loop runs late (lag p99 ~8 ms; there mostly because
 * its wakeups wait for a core held by the writer, the readers, the peers and the app), and the
 * writer runs sync jobs back to back. Without the lane, a user's write arriving behind a batch
 * needs the main thread three times before its acknowledgement (read that batch's result, build
 * and send the next one, read its result); with it, once. This bench builds that lateness with a
 * load on the main thread itself (busy chunks of 1–9 ms, about 80% busy), while sync producers
 * keep the writer saturated and the user writes one small row every 25 ms. After a warm-up phase, phases
 * alternate between the two settings in ABBA order (fresh database each), so both see the same
 * machine.
 *
 * Usage: node bench/user-write.ts [--seconds N per phase (8)] [--rounds N (2)] [--quick]
 * Prints a table, then one JSON line.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { EventLoopLag } from '../src/obs/event-loop-lag.ts';
import { createRegistry, metricValue } from '../src/obs/metrics.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { percentiles } from './storm/app-client.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
  },
});
const SECONDS = values.quick ? 4 : Number(values.seconds);
const ROUNDS = values.quick ? 1 : Number(values.rounds);
if (!(SECONDS > 0) || !(ROUNDS >= 1)) throw new Error('--seconds and --rounds must be positive');

const EXTENSION = new URL('./write-storm-extension.ts', import.meta.url);
const SYNC_PRODUCERS = 8;
const SYNC_ROWS_PER_JOB = 64; // one verified chunk of a pull (SYNC_VERIFY_CHUNK)
const SYNC_ROW_BYTES = 2 * 1024;
const USER_EVERY_MS = 25;
const MAIN_CHUNK_MIN_MS = 1;
const MAIN_CHUNK_MAX_MS = 9;
const WARMUP_SECONDS = 2;

const rows = Array.from(
  { length: SYNC_ROWS_PER_JOB },
  () => new Uint8Array(randomBytes(SYNC_ROW_BYTES)),
);
const userRow = [new Uint8Array(randomBytes(512))];

type Lane = 'express' | 'no express';
type Phase = { lane: Lane; acks: number[]; syncRows: number; lagP99Ms: number; express: number };

/** Busy chunks on the main thread, as libp2p and sync keep it in a storm. */
async function mainLoad(running: () => boolean): Promise<void> {
  while (running()) {
    const ms = MAIN_CHUNK_MIN_MS + Math.random() * (MAIN_CHUNK_MAX_MS - MAIN_CHUNK_MIN_MS);
    const until = performance.now() + ms;
    while (performance.now() < until) {}
    await sleep(1);
  }
}

async function runPhase(dir: string, lane: Lane, n: number, seconds: number): Promise<Phase> {
  const registry = createRegistry({ defaultMetrics: false });
  const file = path.join(dir, `phase-${n}.db`);
  const store: Store = await openStore(
    { registry },
    { path: file, extensions: [EXTENSION], writerExpress: lane === 'express' },
  );
  const lag = new EventLoopLag({ registry });
  let running = true;
  const acks: number[] = [];
  let syncRows = 0;
  const end = performance.now() + seconds * 1000;
  const sync = async () => {
    while (running) {
      await store.write({
        op: 'bench.sync',
        class: 'sync',
        handler: 'storm.insertRows',
        payload: { class: 'sync', rows },
      });
      if (performance.now() <= end) syncRows += SYNC_ROWS_PER_JOB;
    }
  };
  const user = async () => {
    const pending: Promise<unknown>[] = [];
    while (running) {
      const start = performance.now();
      pending.push(
        store
          .write({
            op: 'bench.user',
            class: 'interactive',
            handler: 'storm.insertRows',
            payload: { class: 'interactive', rows: userRow },
          })
          .then(() => {
            if (start <= end) acks.push(performance.now() - start);
          }),
      );
      await sleep(USER_EVERY_MS);
    }
    await Promise.all(pending);
  };
  try {
    lag.start();
    const loops = [
      mainLoad(() => running),
      user(),
      ...Array.from({ length: SYNC_PRODUCERS }, sync),
    ];
    await sleep(seconds * 1000);
    const lagP99Ms = lag.p99Ms();
    running = false;
    await Promise.all(loops);
    lag.stop();
    const express = (await metricValue(registry, 'seedling_write_express_total')) ?? 0;
    return { lane, acks, syncRows, lagP99Ms, express };
  } finally {
    await store.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedling-user-write-'));
  const phases: Phase[] = [];
  try {
    // A warm-up phase (not counted), then rounds in ABBA order: neither lane always goes first.
    await runPhase(dir, 'express', -1, WARMUP_SECONDS);
    for (let r = 0; r < ROUNDS; r++) {
      const order: Lane[] = r % 2 === 0 ? ['express', 'no express'] : ['no express', 'express'];
      for (const lane of order) phases.push(await runPhase(dir, lane, phases.length, SECONDS));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const byLane = (lane: Lane) => {
    const mine = phases.filter((p) => p.lane === lane);
    const acks = mine.flatMap((p) => p.acks);
    return {
      acks: acks.length,
      ...percentiles(acks),
      syncRowsPerSec: Math.round(
        mine.reduce((n, p) => n + p.syncRows, 0) / (SECONDS * mine.length),
      ),
      loopLagP99Ms: Math.max(...mine.map((p) => p.lagP99Ms)),
      expressWrites: mine.reduce((n, p) => n + p.express, 0),
    };
  };
  const on = byLane('express');
  const off = byLane('no express');
  console.log(
    `user-write: ${ROUNDS} round(s) of ${SECONDS} s per lane; sync saturated (${SYNC_PRODUCERS} producers × ${SYNC_ROWS_PER_JOB} rows of ${SYNC_ROW_BYTES} B); main thread busy in ${MAIN_CHUNK_MIN_MS}–${MAIN_CHUNK_MAX_MS} ms chunks`,
  );
  console.log('lane          acks    p50    p90    p99    max  sync rows/s  loop lag p99  express');
  for (const [name, s] of [
    ['express', on],
    ['no express', off],
  ] as const) {
    console.log(
      `${name.padEnd(12)} ${String(s.acks).padStart(5)} ${[s.p50, s.p90, s.p99, s.max].map((v) => v.toFixed(1).padStart(6)).join(' ')} ${String(s.syncRowsPerSec).padStart(12)} ${s.loopLagP99Ms.toFixed(1).padStart(13)} ${String(s.expressWrites).padStart(8)}`,
    );
  }
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  console.log(
    `without the lane / with it: p50 ${ratio(off.p50, on.p50)}×, p99 ${ratio(off.p99, on.p99)}×, sync rows/s ${ratio(off.syncRowsPerSec, on.syncRowsPerSec)}×`,
  );
  console.log(
    JSON.stringify({
      bench: 'user-write',
      seconds: SECONDS,
      rounds: ROUNDS,
      express: on,
      noExpress: off,
      p99Ratio: ratio(off.p99, on.p99),
      p50Ratio: ratio(off.p50, on.p50),
    }),
  );
}

await main();
