import type { Migration, ReadHandler, WriteHandler } from '../store/extension.ts';
import { buildHavesOnReader, touchedSinceOnReader } from './haves-query.ts';
import {
  listSubscriptions,
  SUBSCRIPTIONS_SQL,
  subscribeOnWriter,
  unsubscribeOnWriter,
} from './subscriptions.ts';

/**
 * The sync engine's store extension: its tables (migration 40) and handlers.
 *
 *   sync.subscribe          payload {account, path, recursive}  → Subscription   (writer)
 *   sync.unsubscribe        payload {account, path}             → boolean        (writer)
 *   sync.listSubscriptions  args {}                             → Subscription[] (reader)
 *   sync.buildHaves         args {scope}                        → HavesParts     (reader: query + seal)
 *   sync.touchedSince       args {scope, watermark}             → boolean        (reader)
 */

export const migrations: Migration[] = [
  { version: 40, name: 'sync: subscriptions', sql: SUBSCRIPTIONS_SQL },
];

export const writeHandlers: Record<string, WriteHandler> = {
  'sync.subscribe': (db, payload) => subscribeOnWriter(db, payload),
  'sync.unsubscribe': (db, payload) => unsubscribeOnWriter(db, payload),
};

export const readHandlers: Record<string, ReadHandler> = {
  'sync.listSubscriptions': (db) => listSubscriptions(db),
  'sync.buildHaves': (db, args) => buildHavesOnReader(db, args),
  'sync.touchedSince': (db, args) => touchedSinceOnReader(db, args),
};
