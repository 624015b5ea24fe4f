import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import {
  MAX_BLOB_BYTES,
  MAX_CIDS_PER_MESSAGE,
  MAX_FETCH_REPLY_FRAME_BYTES,
  MAX_SCOPE_BYTES,
} from '../../src/constants.ts';
import { InvalidInputError, ProtocolError } from '../../src/errors.ts';
import {
  decodeMessage,
  encodeMessage,
  encodeVarint,
  type FetchedBlob,
  packBlobs,
  type SyncMessage,
} from '../../src/net/index.ts';
import { WireReader, WireWriter } from '../../src/net/protocol/wire.ts';

const data = new TextEncoder().encode('blob');
const cid = CID.createV1(raw.code, await sha256.digest(data)).bytes;

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('did not throw');
}

describe('sync messages', () => {
  it('round-trips every message type', () => {
    const messages: SyncMessage[] = [
      { type: 'ReconcileRequest', scope: 'hm://z6Mk/doc?r', rbsr: Uint8Array.of(1, 2) },
      { type: 'ReconcileReply', rbsr: new Uint8Array(0) },
      { type: 'Busy', retryAfterMs: 1500 },
      { type: 'FetchRequest', cids: [cid, cid] },
      { type: 'FetchReply', blobs: [{ cid, data }] },
      { type: 'Announce', cids: [] },
      { type: 'Error', code: 'NOT_FOUND', message: 'ünïcode' },
    ];
    for (const msg of messages) {
      const back = decodeMessage(encodeMessage(msg));
      assert.equal(back.type, msg.type);
      assert.deepEqual(JSON.stringify(back, replacer), JSON.stringify(msg, replacer));
    }
  });

  it('encodes compactly: type byte, then fields', () => {
    assert.deepEqual(
      [...encodeMessage({ type: 'ReconcileReply', rbsr: Uint8Array.of(9) })],
      [0x02, 1, 9],
    );
    assert.deepEqual([...encodeMessage({ type: 'Busy', retryAfterMs: 300 })], [0x03, 0xac, 0x02]);
  });

  it('rejects garbage with a ProtocolError naming the reason', () => {
    assert.equal(
      code(() => decodeMessage(new Uint8Array(0))),
      'PROTOCOL_BAD_MESSAGE',
    );
    assert.equal(
      code(() => decodeMessage(Uint8Array.of(0x42))),
      'PROTOCOL_UNKNOWN_TYPE',
    );
    assert.equal(
      code(() => decodeMessage(Uint8Array.of(0x02, 1, 9, 0))),
      'PROTOCOL_BAD_MESSAGE',
    ); // trailing byte
    assert.equal(
      code(() => decodeMessage(Uint8Array.of(0x02, 0x81, 0x00))),
      'PROTOCOL_BAD_MESSAGE',
    ); // non-minimal varint
    assert.equal(
      code(() => decodeMessage(Uint8Array.of(0x04, 1, 3, 1, 2, 3))),
      'PROTOCOL_BAD_MESSAGE',
    ); // not a CID
    assert.equal(
      code(() => decodeMessage(Uint8Array.of(0x07, 1, 0xff, 0))),
      'PROTOCOL_BAD_MESSAGE',
    ); // bad UTF-8
    const tooMany = [0x06, ...encodeVarint(MAX_CIDS_PER_MESSAGE + 1)];
    assert.equal(
      code(() => decodeMessage(Uint8Array.from(tooMany))),
      'PROTOCOL_BAD_MESSAGE',
    );
    const longScope = [
      0x01,
      ...encodeVarint(MAX_SCOPE_BYTES + 1),
      ...new Uint8Array(MAX_SCOPE_BYTES + 1),
      0,
    ];
    assert.equal(
      code(() => decodeMessage(Uint8Array.from(longScope))),
      'PROTOCOL_BAD_MESSAGE',
    );
  });

  it('never throws anything but ProtocolError on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (err) {
          return err instanceof ProtocolError;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses to send what a peer must reject', () => {
    assert.throws(
      () =>
        encodeMessage({
          type: 'ReconcileRequest',
          scope: 'x'.repeat(MAX_SCOPE_BYTES + 1),
          rbsr: new Uint8Array(0),
        }),
      InvalidInputError,
    );
    assert.throws(
      () =>
        encodeMessage({ type: 'Announce', cids: new Array(MAX_CIDS_PER_MESSAGE + 1).fill(cid) }),
      InvalidInputError,
    );
  });

  it('packs fetch replies under the frame bound, in order', () => {
    const big = new Uint8Array(MAX_BLOB_BYTES);
    const blobs: FetchedBlob[] = [
      { cid, data: big },
      { cid, data: new Uint8Array(MAX_BLOB_BYTES + 1) }, // over the blob bound: skipped
      { cid, data: big },
      { cid, data: big }, // would cross 4 MiB
    ];
    const packed = packBlobs(blobs);
    // Two 2 MiB blobs plus framing exceed 4 MiB: one fits; the oversized one is never sent.
    assert.equal(packed.length, 1);
    assert.equal(packed[0]!.data, big);
    const body = encodeMessage({ type: 'FetchReply', blobs: packed });
    assert.ok(body.byteLength <= MAX_FETCH_REPLY_FRAME_BYTES);
  });
});

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (value instanceof CID) return value.toString();
  return value;
}

describe('wire writer', () => {
  it('writes any sequence of fields as their encodings end to end, growing as it goes', () => {
    const field = fc.oneof(
      fc.record({ kind: fc.constant('u8' as const), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('varint' as const), value: fc.nat() }),
      fc.record({ kind: fc.constant('bytes' as const), value: fc.uint8Array({ maxLength: 600 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(field, { maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        (fields, cap) => {
          const w = new WireWriter(cap);
          const want: number[] = [];
          for (const f of fields) {
            if (f.kind === 'u8') {
              w.u8(f.value);
              want.push(f.value);
            } else if (f.kind === 'varint') {
              w.varint(f.value);
              want.push(...encodeVarint(f.value));
            } else {
              w.bytes(f.value);
              want.push(...encodeVarint(f.value.byteLength), ...f.value);
            }
          }
          assert.deepEqual([...w.finish()], want);
          assert.equal(w.length, want.length);
          // And the reader takes them back.
          const r = new WireReader(w.finish());
          for (const f of fields) {
            if (f.kind === 'u8') assert.equal(r.u8('u8'), f.value);
            else if (f.kind === 'varint')
              assert.equal(r.varint('v', Number.MAX_SAFE_INTEGER), f.value);
            else assert.deepEqual(r.bytes('b', 600), f.value);
          }
          r.end();
        },
      ),
      { numRuns: 300 },
    );
  });
});
