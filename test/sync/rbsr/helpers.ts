import { createHash } from 'node:crypto';
import {
  fingerprintOf,
  initiate,
  itemHash,
  type ReconcileInit,
  reconcileAsInitiator,
  respond,
  type SealedSet,
  type SyncItem,
} from '../../../src/sync/rbsr/index.ts';

export const hex = (id: Uint8Array) => Buffer.from(id).toString('hex');

/** A deterministic item: ids look like CIDs (36 bytes), timestamps from a small range to force ties. */
export function item(n: number, ts = n * 1000): SyncItem {
  const id = createHash('sha256').update(`item-${n}`).digest();
  return { ts, id: Uint8Array.from([0x01, 0x71, 0x12, 0x20, ...id]) };
}

export type Outcome = { have: Set<string>; need: Set<string>; rounds: number; maxMessage: number };

/** Runs a whole reconciliation between two in-process sets, as two peers would over the wire. */
export function reconcileSets(a: SealedSet, b: SealedSet, init: ReconcileInit = {}): Outcome {
  const out: Outcome = { have: new Set(), need: new Set(), rounds: 0, maxMessage: 0 };
  let message: Uint8Array | null = initiate(a, init);
  while (message !== null) {
    if (++out.rounds > 200) throw new Error('reconciliation did not terminate in 200 rounds');
    const reply = respond(b, message, init);
    out.maxMessage = Math.max(out.maxMessage, message.byteLength, reply.byteLength);
    const step = reconcileAsInitiator(a, reply, init);
    for (const id of step.have) out.have.add(hex(id));
    for (const id of step.need) out.need.add(hex(id));
    message = step.next;
  }
  return out;
}

/** The brute-force answer: A \ B and B \ A. */
export function expectedDifference(a: SyncItem[], b: SyncItem[]) {
  const ka = new Set(a.map((i) => hex(i.id)));
  const kb = new Set(b.map((i) => hex(i.id)));
  return {
    have: new Set([...ka].filter((k) => !kb.has(k))),
    need: new Set([...kb].filter((k) => !ka.has(k))),
  };
}

/** Fingerprint computed the slow way, straight from the definition in DESIGN §5. */
export function bruteFingerprint(items: SyncItem[]): Uint8Array {
  let sum = 0n;
  for (const i of items)
    sum += BigInt(`0x${Buffer.from(itemHash(i.id)).reverse().toString('hex')}`);
  sum %= 1n << 256n;
  const le = Buffer.from(sum.toString(16).padStart(64, '0'), 'hex').reverse();
  return fingerprintOf(le, items.length);
}
