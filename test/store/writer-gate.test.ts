import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import {
  GATE_CHECKPOINTER,
  GATE_FREE,
  GATE_WRITER,
  WriterGate,
} from '../../src/store/writer-gate.ts';

describe('WriterGate', () => {
  it('is held by one side at a time; only the holder releases it', () => {
    const gate = new WriterGate();
    assert.ok(gate.tryAcquire(GATE_WRITER));
    assert.equal(gate.tryAcquire(GATE_CHECKPOINTER), false);
    gate.release(GATE_CHECKPOINTER); // not the holder: ignored
    assert.equal(gate.holder(), GATE_WRITER);
    gate.release(GATE_WRITER);
    assert.equal(gate.holder(), GATE_FREE);
    assert.ok(gate.tryAcquire(GATE_CHECKPOINTER));
  });

  it('acquire times out while the other side holds it', () => {
    const gate = new WriterGate();
    gate.tryAcquire(GATE_CHECKPOINTER);
    const t0 = performance.now();
    assert.equal(gate.acquire(GATE_WRITER, 30), false);
    assert.ok(performance.now() - t0 >= 25);
  });

  it('acquire wakes when another thread releases', async () => {
    const gate = new WriterGate();
    assert.ok(gate.tryAcquire(GATE_CHECKPOINTER));
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const cell = new Int32Array(workerData);
       parentPort.postMessage('waiting');
       const t0 = performance.now();
       while (Atomics.compareExchange(cell, 0, 0, 1) !== 0) Atomics.wait(cell, 0, Atomics.load(cell, 0), 1000);
       parentPort.postMessage(performance.now() - t0);`,
      { eval: true, workerData: gate.buffer },
    );
    const messages: unknown[] = [];
    const waited = new Promise<number>((resolve) =>
      worker.on('message', (m: unknown) => {
        messages.push(m);
        if (m === 'waiting') setTimeout(() => gate.release(GATE_CHECKPOINTER), 30);
        else resolve(m as number);
      }),
    );
    const ms = await waited;
    assert.ok(ms >= 20 && ms < 900, `the other thread got the gate after ${ms.toFixed(0)} ms`);
    assert.equal(gate.holder(), GATE_WRITER);
    await worker.terminate();
  });
});
