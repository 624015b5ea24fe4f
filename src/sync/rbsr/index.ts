/** Range-based set reconciliation: items, sealed sets with O(log n) fingerprints, the message codec and the algorithm. */
export { FINGERPRINT_BYTES, fingerprintOf, itemHash } from './fingerprint.ts';
export { type Bound, compareItems, MAX_BOUND, MIN_BOUND, type SyncItem } from './item.ts';
export {
  decodeRbsrMessage,
  encodeRbsrMessage,
  Mode,
  type Range,
  RBSR_VERSION,
  RbsrErrorCode,
} from './rbsr-message.ts';
export {
  BUCKETS,
  type InitiatorStep,
  initiate,
  MIN_MESSAGE_BYTES,
  RBSR_MAX_MESSAGE_BYTES,
  type ReconcileInit,
  reconcileAsInitiator,
  respond,
} from './reconcile.ts';
export { SealedSet } from './sealed-set.ts';
