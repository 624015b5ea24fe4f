import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../src/errors.ts';
import { packBlobBatch, unpackBlobBatch } from '../../src/index/blob-batch.ts';

const item = (cid: number[], data: number[]) => ({
  cid: new Uint8Array(cid),
  data: new Uint8Array(data),
});

describe('blob batch', () => {
  it('unpacks what it packed, in order, as views into one buffer', () => {
    const items = [item([1, 2], [3, 4, 5]), item([6], []), item([7, 8, 9], [10])];
    const batch = packBlobBatch(items);
    assert.deepEqual([...batch.bytes], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual([...batch.ends], [2, 5, 6, 6, 9, 10]);
    const back = unpackBlobBatch(batch);
    assert.deepEqual(
      back.map((b) => [[...b.cid], [...b.data]]),
      items.map((b) => [[...b.cid], [...b.data]]),
    );
    assert.ok(back.every((b) => b.cid.buffer === batch.bytes.buffer));
    assert.deepEqual(unpackBlobBatch(packBlobBatch([])), []);
  });

  it('refuses a malformed batch, naming what is wrong', () => {
    const bytes = new Uint8Array(10);
    const cases: [unknown, RegExp][] = [
      [null, /must be a blob batch/],
      [{ bytes: [1, 2], ends: new Uint32Array(2) }, /must be a blob batch/],
      [{ bytes, ends: [2, 4] }, /must be a blob batch/],
      [{ bytes, ends: new Uint32Array([2, 4, 6]) }, /two offsets per blob/],
      [{ bytes, ends: new Uint32Array([4, 2]) }, /offsets of blob 0 \(4, 2\)/],
      [{ bytes, ends: new Uint32Array([2, 11]) }, /within 10 bytes/],
      [
        { bytes, ends: new Uint32Array([2, 6, 5, 8]) },
        /offsets of blob 1 \(5, 8\) do not follow 6/,
      ],
      [{ bytes, ends: new Uint32Array(20_002) }, /at most 10000 blobs/],
    ];
    for (const [batch, message] of cases) {
      assert.throws(
        () => unpackBlobBatch(batch),
        (err) => err instanceof InvalidInputError && message.test(err.message),
        String(message),
      );
    }
  });
});
