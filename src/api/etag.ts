import { createHash } from 'node:crypto';

/**
 * ETags for GET answers that depend only on the database: the generation (which moves on every
 * commit and never repeats, see src/store/generation.ts) plus a digest of the key and query, so a
 * tag is never valid for another URL. Read the generation BEFORE running the query: if a write
 * lands meanwhile, the answer carries the older tag and the next poll fetches again.
 */
export function etagFor(generation: number, url: string): string {
  const digest = createHash('sha1').update(url).digest('base64url').slice(0, 16);
  return `W/"${generation.toString(36)}-${digest}"`;
}

/** `If-None-Match` may list several tags, or `*`; weak comparison (RFC 9110 §13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = stripWeak(etag);
  return ifNoneMatch.split(',').some((t) => stripWeak(t.trim()) === bare);
}

function stripWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
