import type { DatabaseSync, StatementSync } from 'node:sqlite';

/**
 * Prepared statements per connection (the writer and each reader keep one connection for their
 * life; preparing costs more than running a point lookup).
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

/** JSON column → value; a corrupt column reads as the fallback rather than failing a whole listing. */
export function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Parent path of a document path: '' for '/a', '/a' for '/a/b', null for the home document. */
export function parentPath(path: string): string | null {
  if (path === '') return null;
  return path.slice(0, path.lastIndexOf('/'));
}

/** Whether a grant over `prefix` covers `path` ('' covers everything). */
export function pathCovers(prefix: string, path: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}
