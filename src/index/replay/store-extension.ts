/**
 * Store extension of document replay: the read handler `replay.resource`, run on a reader-pool
 * thread.
 *
 * `replay.resource` {account, path, version?} → DocumentState | null (null: no such document).
 * `replay.prepareChange` {account, path, baseVersion?, changes, signer, now?} → PreparedChange:
 *   PrepareDocumentChange's CRDT work off the main thread (a new document when none exists).
 * Both load the document's Changes with INDEX's `documentChanges` (which runs its statements to
 * completion and returns plain rows, so the read is over before any CPU work starts), then
 * decodes and replays them. The result is plain data (CIDs as strings), safe to structured-clone
 * back to the main thread and to cache there (document-cache.ts).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { ChangeOp } from '../../blob/blob-types.ts';
import { InvalidInputError } from '../../errors.ts';
import type { StoreExtension } from '../../store/extension.ts';
import { argsObject } from '../read-args.ts';
import { documentChanges } from '../read-changes.ts';
import type { DocumentState } from './document-state.ts';
import { emptyDocumentState, prepareUnsignedChange } from './prepare-change.ts';
import { replayStoredChanges } from './replay-stored.ts';
import type { SeedEdit } from './seed-edit.ts';

/** Arguments of `replay.resource` (validated by INDEX's reader: account ID, path, version CIDs). */
export type ReplayResourceArgs = { account: string; path: string; version?: string };

export function replayResource(db: DatabaseSync, args: unknown): DocumentState | null {
  const a = argsObject(args);
  const stored = documentChanges(db, {
    account: a.account,
    path: a.path,
    ...(a.version === undefined || a.version === null || a.version === ''
      ? {}
      : { version: a.version }),
  });
  if (!stored) return null;
  return replayStoredChanges(stored);
}

export type PrepareChangeArgs = {
  account: string;
  path: string;
  baseVersion?: string;
  /** SEED-API.md edits (`{op: {case, value}}`). */
  changes: SeedEdit[];
  /** Principal of the key that will sign: the account, or the capability's delegate. */
  signer: Uint8Array;
  /** ms; defaults to the reader's clock. */
  now?: number;
};

export type PreparedChange = {
  /** DAG-CBOR bytes of the Change with `sig` zeroed: PrepareDocumentChange's `unsignedChange`. */
  unsignedChange: Uint8Array;
  ops: ChangeOp[];
  ts: number;
  depth: number | null;
  deps: string[];
  /** Version the edits were applied to ('' for a new document). */
  baseVersion: string;
  genesis: string;
};

export function prepareDocumentChange(db: DatabaseSync, args: unknown): PreparedChange {
  const a = argsObject(args);
  const signer = a.signer;
  if (!(signer instanceof Uint8Array) || signer.length < 3 || signer.length > 128) {
    throw new InvalidInputError('must be a principal (bytes)', { field: 'signer' });
  }
  const now =
    typeof a.now === 'number' && Number.isSafeInteger(a.now) && a.now > 0 ? a.now : Date.now();
  const state =
    replayResource(db, { account: a.account, path: a.path, version: a.baseVersion }) ??
    emptyDocumentState();
  const prepared = prepareUnsignedChange(state, a.changes as SeedEdit[], { signer, now });
  return {
    unsignedChange: prepared.data,
    ops: prepared.ops,
    ts: prepared.ts,
    depth: prepared.depth,
    deps: prepared.deps,
    baseVersion: state.version,
    genesis: state.genesis,
  };
}

export const readHandlers: StoreExtension['readHandlers'] = {
  'replay.resource': replayResource,
  'replay.prepareChange': prepareDocumentChange,
};
