import type { DatabaseSync } from 'node:sqlite';
import { InvalidInputError } from '../errors.ts';
import {
  BLOBS_TABLE_SQL,
  type BlobInput,
  type BlobRow,
  checkBlobInput,
  checkMultihash,
  countBlobs,
  getBlobByMultihash,
  hasBlobs,
  insertBlobsOnWriter,
} from './blobs-table.ts';
import type { Migration, ReadHandler, WriteHandler } from './extension.ts';

/**
 * The store's own extension, always loaded first (`openStore` adds it): the `blobs` table and
 * handlers to put and get raw blobs. Payloads are plain data (bytes, numbers): they cross threads
 * by structured clone and are checked again here.
 *
 *   store.putBlobs   payload {multihash, codec, data}[]  → {id, inserted}[]      (writer)
 *   store.getBlobs   args {multihashes: Uint8Array[]}    → (BlobRow | null)[]    (reader)
 *   store.hasBlobs   args {multihashes: Uint8Array[]}    → boolean[]             (reader)
 *   store.countBlobs args {}                             → number                (reader)
 */

export const migrations: Migration[] = [{ version: 1, name: 'store: blobs', sql: BLOBS_TABLE_SQL }];

/** Most items in one put or lookup; bigger lists are split by the caller. */
const MAX_ITEMS = 10_000;

function checkPutPayload(payload: unknown): BlobInput[] {
  if (!Array.isArray(payload) || payload.length > MAX_ITEMS) {
    throw new InvalidInputError(`must be an array of at most ${MAX_ITEMS} blobs`, {
      field: 'payload',
    });
  }
  return payload.map((b, i) => checkBlobInput(b, `payload[${i}]`));
}

function checkMultihashes(args: unknown): Uint8Array[] {
  const list = (args as { multihashes?: unknown } | undefined)?.multihashes;
  if (!Array.isArray(list) || list.length > MAX_ITEMS) {
    throw new InvalidInputError(`must be an array of at most ${MAX_ITEMS} multihashes`, {
      field: 'multihashes',
    });
  }
  return list.map((mh, i) => checkMultihash(mh, `multihashes[${i}]`));
}

function getBlobs(db: DatabaseSync, args: unknown): (BlobRow | null)[] {
  return checkMultihashes(args).map((mh) => getBlobByMultihash(db, mh));
}

export const writeHandlers: Record<string, WriteHandler> = {
  'store.putBlobs': (db, payload) => insertBlobsOnWriter(db, checkPutPayload(payload)),
};

export const readHandlers: Record<string, ReadHandler> = {
  'store.getBlobs': (db, args) => getBlobs(db, args),
  'store.hasBlobs': (db, args) => hasBlobs(db, checkMultihashes(args)),
  'store.countBlobs': (db) => countBlobs(db),
};
