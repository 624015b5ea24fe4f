import { bytesKey } from '../../blob/bytes-key.ts';
import { type Bound, MAX_BOUND, minimalBound } from './item.ts';
import {
  decodeRbsrMessage,
  encodedRangeSize,
  encodeRbsrMessage,
  type Range,
} from './rbsr-message.ts';
import type { SealedSet } from './sealed-set.ts';

/**
 * Range-based set reconciliation (the algorithm behind Negentropy), over a SealedSet.
 *
 * The initiator sends `initiate()`; the responder answers each message with `respond()`, which is
 * stateless so one sealed set can serve any number of peers at once; the initiator feeds each reply
 * to `reconcileAsInitiator()`, which collects the ids only it has (`have`) and only the peer has
 * (`need`) and gives the next message, or `null` when its output is empty — the end. Termination is
 * on an empty message, never on "one range left", so a single differing item at either end of the
 * set is still found.
 *
 * Per incoming range (from the previous bound to this one):
 * 1. Skip: nothing to do.
 * 2. Fingerprint: equal to ours → Skip; else split ours: fewer than 2·BUCKETS items → IdList,
 *    otherwise BUCKETS sub-ranges with fingerprints.
 * 3. IdList: the initiator diffs it against its items (have/need) and skips; the responder answers
 *    with its own full IdList of the range, so the initiator can diff on the next step.
 * Each message stays under `maxMessageBytes`: when the budget runs out the sender ends with one
 * Fingerprint from where it stopped to the top of the set, and the next round resumes there.
 */

export const BUCKETS = 16;
/** Default byte budget of one RBSR message: half the sync protocol's frame bound, leaving room. */
export const RBSR_MAX_MESSAGE_BYTES = 512 * 1024;
/** Bytes kept free for the ranges a mismatch may add (16 bucket bounds or a ≤ 31-id list). */
const RESERVE_BYTES = 8 * 1024;
/** Smallest budget that still lets every round make progress. */
export const MIN_MESSAGE_BYTES = 4 * 1024;

export type ReconcileInit = { maxMessageBytes?: number };

export type InitiatorStep = {
  /** The next message to send, or null when reconciliation is complete. */
  next: Uint8Array | null;
  /** Ids this side has and the peer lacks, found in this step. */
  have: Uint8Array[];
  /**
   * Ids the peer has and this side lacks, found in this step: views into the reply, unchecked (a
   * peer may list anything, twice). The caller checks, dedupes and copies what it keeps.
   */
  need: Uint8Array[];
};

export function initiate(set: SealedSet, init: ReconcileInit = {}): Uint8Array {
  const out = new RangeOutput(init.maxMessageBytes ?? RBSR_MAX_MESSAGE_BYTES);
  splitRange(set, out, 0, set.size, MAX_BOUND);
  return encodeRbsrMessage(out.finish());
}

/** Answers one message from an initiator. Throws ProtocolError on a malformed message. */
export function respond(set: SealedSet, message: Uint8Array, init: ReconcileInit = {}): Uint8Array {
  const step = processMessage(set, decodeRbsrMessage(message), false, init);
  return encodeRbsrMessage(step.ranges);
}

/** Takes the responder's reply; throws ProtocolError on a malformed reply. */
export function reconcileAsInitiator(
  set: SealedSet,
  reply: Uint8Array,
  init: ReconcileInit = {},
): InitiatorStep {
  const step = processMessage(set, decodeRbsrMessage(reply), true, init);
  const next = step.ranges.length === 0 ? null : encodeRbsrMessage(step.ranges);
  return { next, have: step.have, need: step.need };
}

type Step = { ranges: Range[]; have: Uint8Array[]; need: Uint8Array[] };

function processMessage(
  set: SealedSet,
  incoming: Range[],
  isInitiator: boolean,
  init: ReconcileInit,
): Step {
  const out = new RangeOutput(init.maxMessageBytes ?? RBSR_MAX_MESSAGE_BYTES);
  const step: Step = { ranges: [], have: [], need: [] };
  let lo = 0;
  for (const range of incoming) {
    if (out.nearlyFull) out.fingerprintToTop(set, lo);
    if (out.closed) break;
    const hi = set.lowerBound(range.upper, lo);
    if (range.mode === 'Skip') {
      out.skip(range.upper);
    } else if (range.mode === 'Fingerprint') {
      if (equalBytes(range.fingerprint, set.fingerprint(lo, hi))) out.skip(range.upper);
      else splitRange(set, out, lo, hi, range.upper);
    } else if (isInitiator) {
      diffIdList(set, lo, hi, range.ids, step);
      out.skip(range.upper);
    } else {
      out.idList(set, lo, hi, range.upper);
    }
    lo = hi;
  }
  step.ranges = out.finish();
  return step;
}

/** Describes our items [lo, hi), which end below `upper`, to the peer. */
function splitRange(set: SealedSet, out: RangeOutput, lo: number, hi: number, upper: Bound): void {
  const count = hi - lo;
  if (count < 2 * BUCKETS) {
    out.idList(set, lo, hi, upper);
    return;
  }
  const perBucket = Math.floor(count / BUCKETS);
  const extra = count % BUCKETS;
  let at = lo;
  for (let b = 0; b < BUCKETS; b++) {
    const end = at + perBucket + (b < extra ? 1 : 0);
    const bound = b === BUCKETS - 1 ? upper : minimalBound(set.at(end - 1), set.at(end));
    out.push({ upper: bound, mode: 'Fingerprint', fingerprint: set.fingerprint(at, end) });
    at = end;
  }
}

/** Initiator side of an IdList: what only we have, and what only they have, in [lo, hi). */
function diffIdList(set: SealedSet, lo: number, hi: number, theirs: Uint8Array[], step: Step) {
  // Nothing of ours in the range (a space we have never synced): all theirs is needed, no map.
  if (lo === hi) {
    for (const id of theirs) step.need.push(id);
    return;
  }
  const theirKeys = new Map<string, Uint8Array>();
  for (const id of theirs) theirKeys.set(keyOf(id), id);
  for (let i = lo; i < hi; i++) {
    const id = set.id(i);
    const key = keyOf(id);
    if (theirKeys.has(key)) theirKeys.delete(key);
    else step.have.push(id);
  }
  for (const id of theirKeys.values()) step.need.push(id);
}

/** Builds an outgoing message: merges adjacent Skips, drops trailing ones, keeps a byte budget. */
class RangeOutput {
  readonly #ranges: Range[] = [];
  readonly #budget: number;
  readonly #reserve: number;
  #bytes = 1;
  #closed = false;

  constructor(budget: number) {
    if (!(budget >= MIN_MESSAGE_BYTES)) {
      throw new RangeError(`maxMessageBytes must be at least ${MIN_MESSAGE_BYTES}, got ${budget}`);
    }
    this.#budget = budget;
    this.#reserve = Math.min(RESERVE_BYTES, Math.floor(budget / 4));
  }

  get nearlyFull(): boolean {
    return this.#bytes + this.#reserve >= this.#budget;
  }

  /** True once the message ended with a fingerprint to the top: nothing more may follow. */
  get closed(): boolean {
    return this.#closed;
  }

  push(range: Range): void {
    if (this.#closed) return;
    const last = this.#ranges[this.#ranges.length - 1];
    if (range.mode === 'Skip' && last?.mode === 'Skip') {
      this.#ranges[this.#ranges.length - 1] = range;
      return;
    }
    this.#ranges.push(range);
    this.#bytes += encodedRangeSize(range);
  }

  skip(upper: Bound): void {
    this.push({ upper, mode: 'Skip' });
  }

  /**
   * Lists our items [lo, hi) up to `upper`. When they do not all fit the budget, lists as many as
   * fit and ends the message with a fingerprint of the rest (the next round resumes there).
   */
  idList(set: SealedSet, lo: number, hi: number, upper: Bound): void {
    const ids: Uint8Array[] = [];
    let bytes = 0;
    const room = this.#budget - this.#bytes - this.#reserve;
    let i = lo;
    for (; i < hi; i++) {
      const id = set.id(i);
      if (ids.length > 0 && bytes + id.byteLength + 2 > room) break;
      ids.push(id);
      bytes += id.byteLength + 2;
    }
    if (i === hi) {
      this.push({ upper, mode: 'IdList', ids });
      return;
    }
    this.push({ upper: minimalBound(set.at(i - 1), set.at(i)), mode: 'IdList', ids });
    this.fingerprintToTop(set, i);
  }

  /** Ends the message: one fingerprint of our items from `lo` (where we stopped) to the top. */
  fingerprintToTop(set: SealedSet, lo: number): void {
    this.push({
      upper: MAX_BOUND,
      mode: 'Fingerprint',
      fingerprint: set.fingerprint(lo, set.size),
    });
    this.#closed = true;
  }

  finish(): Range[] {
    while (this.#ranges[this.#ranges.length - 1]?.mode === 'Skip') this.#ranges.pop();
    return this.#ranges;
  }
}

function keyOf(id: Uint8Array): string {
  return bytesKey(id);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
