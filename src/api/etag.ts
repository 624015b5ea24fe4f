import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Gauge, type Registry } from 'prom-client';
import { API_ETAG_DIGEST_CACHE_SIZE } from '../constants.ts';

/**
 * ETags for GET answers that depend only on the database: the generation (which moves on every
 * commit and never repeats, see src/store/generation.ts) plus a digest of the key and query, so a
 * tag is never valid for another URL. Read the generation BEFORE running the query: if a write
 * lands meanwhile, the answer carries the older tag and the next poll fetches again.
 */
export function etagFor(generation: number, url: string): string {
  let digest = urlDigests.get(url);
  if (digest === undefined) {
    digestMisses++;
    digest = createHash('sha1').update(url).digest('base64url').slice(0, 16);
    urlDigests.set(url, digest);
  }
  return `W/"${generation.toString(36)}-${digest}"`;
}

/** An app polls the same few hundred URLs: their digests are kept (a hash was ~9 µs a request). */
const urlDigests = new LRUCache<string, string>({ max: API_ETAG_DIGEST_CACHE_SIZE });
let digestMisses = 0;

/** The digest cache's size and misses, on `registry` (the cache is per thread; the API's is main's). */
export function registerEtagCacheMetrics(registry: Registry): void {
  new Gauge({
    name: 'seedling_api_etag_digest_cache_entries',
    help: 'URL digests kept for ETags',
    registers: [registry],
    collect() {
      this.set(urlDigests.size);
    },
  });
  new Gauge({
    name: 'seedling_api_etag_digest_cache_misses',
    help: 'ETag URL digests computed (not found in the cache) since start',
    registers: [registry],
    collect() {
      this.set(digestMisses);
    },
  });
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
