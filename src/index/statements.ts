/** Prepared statements per connection (shared with the store). */
export { stmt } from '../store/statements.ts';

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
