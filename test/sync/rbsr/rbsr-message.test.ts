import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ProtocolError } from '../../../src/errors.ts';
import {
  decodeRbsrMessage,
  encodeRbsrMessage,
  initiate,
  MAX_BOUND,
  type Range,
  RBSR_VERSION,
  respond,
  SealedSet,
} from '../../../src/sync/rbsr/index.ts';
import { item } from './helpers.ts';

const isCode = (code: string) => (err: unknown) =>
  err instanceof ProtocolError && err.code === code;

describe('RBSR message codec', () => {
  it('round-trips every mode', () => {
    const ranges: Range[] = [
      { upper: { ts: 5, prefix: Uint8Array.of(1, 2) }, mode: 'Skip' },
      {
        upper: { ts: 9, prefix: new Uint8Array() },
        mode: 'Fingerprint',
        fingerprint: new Uint8Array(16).fill(7),
      },
      { upper: MAX_BOUND, mode: 'IdList', ids: [item(1).id, item(2).id] },
    ];
    assert.deepEqual(decodeRbsrMessage(encodeRbsrMessage(ranges)), ranges);
  });

  it('rejects another protocol version with a message naming both', () => {
    assert.throws(
      () => decodeRbsrMessage(Uint8Array.of(0x62)),
      (err) => isCode('RBSR_UNSUPPORTED_VERSION')(err) && /0x62.*0x61/.test((err as Error).message),
    );
  });

  it('rejects bounds that do not increase, ranges after the top, bad modes and truncation', () => {
    const fp = new Uint8Array(16);
    const dup = encodeRbsrMessage([
      { upper: { ts: 5, prefix: new Uint8Array() }, mode: 'Fingerprint', fingerprint: fp },
      { upper: { ts: 5, prefix: new Uint8Array() }, mode: 'Skip' },
    ]);
    assert.throws(() => decodeRbsrMessage(dup), isCode('RBSR_MALFORMED'));
    const afterTop = Uint8Array.of(
      ...encodeRbsrMessage([{ upper: MAX_BOUND, mode: 'Skip' }]),
      2,
      0,
      0,
    );
    assert.throws(() => decodeRbsrMessage(afterTop), isCode('RBSR_MALFORMED'));
    assert.throws(
      () => decodeRbsrMessage(Uint8Array.of(RBSR_VERSION, 1, 0, 9)),
      isCode('RBSR_MALFORMED'),
    );
    const full = encodeRbsrMessage([{ upper: MAX_BOUND, mode: 'IdList', ids: [item(1).id] }]);
    assert.throws(
      () => decodeRbsrMessage(full.subarray(0, full.length - 3)),
      isCode('RBSR_MALFORMED'),
    );
  });

  it('a responder given random or mutated bytes only ever throws ProtocolError', () => {
    const set = SealedSet.from(Array.from({ length: 200 }, (_, i) => item(i)));
    const valid = initiate(SealedSet.from(Array.from({ length: 100 }, (_, i) => item(i * 2))));
    const mutated = fc
      .tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }))
      .map(([at, byte]) => {
        const copy = Uint8Array.from(valid);
        copy[at] = byte;
        return copy;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated), (bytes) => {
        try {
          respond(set, bytes);
        } catch (err) {
          assert.ok(err instanceof ProtocolError, `threw ${String(err)}`);
        }
      }),
      { numRuns: 500 },
    );
  });
});
