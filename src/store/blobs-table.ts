import type { DatabaseSync } from 'node:sqlite';
import { MAX_BLOB_BYTES } from '../constants.ts';
import { InvalidInputError } from '../errors.ts';
import { stmt } from './statements.ts';

/**
 * SQL of the `blobs` table (migration v1): raw blob bytes by multihash. The writer inserts through
 * `insertBlobsOnWriter`; reader threads look up with `getBlobByMultihash` / `hasBlobs`.
 * Verification (CID match, signature) happened before a blob gets here: this file only stores.
 */

export const BLOBS_TABLE_SQL = `CREATE TABLE blobs (
  id          INTEGER PRIMARY KEY,
  multihash   BLOB    NOT NULL UNIQUE,
  codec       INTEGER NOT NULL,
  size        INTEGER NOT NULL,
  insert_time INTEGER NOT NULL, -- ms since epoch
  data        BLOB    NOT NULL
) STRICT`;

export type BlobInput = { multihash: Uint8Array; codec: number; data: Uint8Array };
export type BlobRow = {
  id: number;
  multihash: Uint8Array;
  codec: number;
  size: number;
  insertTime: number;
  data: Uint8Array;
};

/** Largest multihash accepted (sha2-256 and blake2b-256 multihashes are 34 bytes). */
const MAX_MULTIHASH_BYTES = 128;

/** Checks one blob that crossed a thread boundary; `field` names its index. */
export function checkBlobInput(value: unknown, field: string): BlobInput {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidInputError('must be an object {multihash, codec, data}', { field });
  }
  const v = value as Record<string, unknown>;
  checkMultihash(v.multihash, `${field}.multihash`);
  if (!Number.isSafeInteger(v.codec) || (v.codec as number) < 0) {
    throw new InvalidInputError('must be a non-negative integer', { field: `${field}.codec` });
  }
  if (!(v.data instanceof Uint8Array) || v.data.byteLength > MAX_BLOB_BYTES) {
    throw new InvalidInputError(`must be bytes, at most ${MAX_BLOB_BYTES}`, {
      field: `${field}.data`,
    });
  }
  return { multihash: v.multihash as Uint8Array, codec: v.codec as number, data: v.data };
}

export function checkMultihash(value: unknown, field: string): Uint8Array {
  if (
    !(value instanceof Uint8Array) ||
    value.byteLength === 0 ||
    value.byteLength > MAX_MULTIHASH_BYTES
  ) {
    throw new InvalidInputError(`must be 1–${MAX_MULTIHASH_BYTES} bytes`, { field });
  }
  return value;
}

/**
 * Writer thread: inserts blobs that are not stored yet. Returns, per input in order, the row id
 * and whether this call inserted it (false: it was already there, or earlier in the same list).
 */
export function insertBlobsOnWriter(
  db: DatabaseSync,
  blobs: BlobInput[],
  now: number = Date.now(),
): { id: number; inserted: boolean }[] {
  const insert = stmt(
    db,
    `INSERT INTO blobs (multihash, codec, size, insert_time, data) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (multihash) DO NOTHING RETURNING id`,
  );
  const find = stmt(db, 'SELECT id FROM blobs WHERE multihash = ?');
  return blobs.map((b) => {
    const row = insert.get(b.multihash, b.codec, b.data.byteLength, now, b.data) as
      | { id: number }
      | undefined;
    if (row) return { id: row.id, inserted: true };
    const existing = find.get(b.multihash) as { id: number };
    return { id: existing.id, inserted: false };
  });
}

/** Reader: one blob by multihash, or null. */
export function getBlobByMultihash(db: DatabaseSync, multihash: Uint8Array): BlobRow | null {
  const row = stmt(
    db,
    'SELECT id, multihash, codec, size, insert_time, data FROM blobs WHERE multihash = ?',
  ).get(multihash) as
    | {
        id: number;
        multihash: Uint8Array;
        codec: number;
        size: number;
        insert_time: number;
        data: Uint8Array;
      }
    | undefined;
  if (!row) return null;
  return {
    id: row.id,
    multihash: row.multihash,
    codec: row.codec,
    size: row.size,
    insertTime: row.insert_time,
    data: row.data,
  };
}

/** Reader: for each multihash, whether the blob is stored. */
export function hasBlobs(db: DatabaseSync, multihashes: Uint8Array[]): boolean[] {
  const has = stmt(db, 'SELECT 1 FROM blobs WHERE multihash = ?');
  return multihashes.map((mh) => has.get(mh) !== undefined);
}

/** Reader: number of stored blobs (tests, stats). */
export function countBlobs(db: DatabaseSync): number {
  return (stmt(db, 'SELECT count(*) AS n FROM blobs').get() as { n: number }).n;
}
