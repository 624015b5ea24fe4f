import type { DatabaseSync, StatementSync } from 'node:sqlite';

/**
 * Prepared statements per connection: the writer and each reader keep one connection for their
 * life, and preparing costs more than running a point lookup. Keyed weakly by connection, so a
 * closed connection's statements go with it.
 */
const cache = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

export function stmt(db: DatabaseSync, sql: string): StatementSync {
  let byText = cache.get(db);
  if (!byText) {
    byText = new Map();
    cache.set(db, byText);
  }
  let s = byText.get(sql);
  if (!s) {
    s = db.prepare(sql);
    byText.set(sql, s);
  }
  return s;
}
