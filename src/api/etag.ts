import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Gauge, type Registry } from 'prom-client';
import { API_ETAG_DIGEST_CACHE_SIZE } from '../constants.ts';

/**
 * ETags for GET answers that depend only on the database: `W/"<generation>-<url>-<body>"`, with
 * the generation (which moves on every commit and never repeats, see src/store/generation.ts), a
 * digest of the key and query (so a tag is never valid for another URL), and a digest of the
 * answer's body. A request revalidates in two steps:
 *   1. `freshTag`: a tag of this URL at the current generation is still good — 304 before any
 *      database work;
 *   2. `sameBody`: the generation moved (any commit anywhere moves it, and during sync it moves
 *      many times a second), so the answer is rendered; if its body digest is the one the client
 *      holds, the answer is still 304, with the new tag. A card nobody touched stays a 304 while
 *      sync pours blobs into other documents.
 * Read the generation BEFORE running the query: if a write lands meanwhile, the answer carries the
 * older tag and the next poll renders again.
 */
export function etagFor(generation: number, urlDigest: string, bodyDigest: string): string {
  return `W/"${generation.toString(36)}-${urlDigest}-${bodyDigest}"`;
}

/** Digest of a URL (key and query), cached: an app polls the same few hundred URLs. */
export function urlDigestOf(url: string): string {
  let digest = urlDigests.get(url);
  if (digest === undefined) {
    digestMisses++;
    digest = digestOf(url);
    urlDigests.set(url, digest);
  }
  return digest;
}

/** Digest of an answer's body (~2 µs for a card, tens for a long listing). */
export function bodyDigestOf(body: string): string {
  return digestOf(body);
}

function digestOf(text: string): string {
  // One-shot `hash`: no Hash object per call (a tag is made for every cacheable answer).
  return hash('sha1', text, 'base64url').slice(0, 16);
}

/**
 * Step 1: the client's tag of this URL at `generation`, if it sent one; undefined when the answer
 * must be rendered (also for `*`, which step 2 answers with the real tag).
 */
export function freshTag(
  ifNoneMatch: string | undefined,
  generation: number,
  urlDigest: string,
): string | undefined {
  if (!ifNoneMatch || ifNoneMatch.trim() === '*') return undefined;
  const prefix = `${generation.toString(36)}-${urlDigest}-`;
  const tag = clientTags(ifNoneMatch).find((t) => t.startsWith(prefix));
  return tag === undefined ? undefined : `W/"${tag}"`;
}

/**
 * Step 2: the client holds a tag of this URL whose body digest is `bodyDigest`, or sent `*` (any
 * current answer, RFC 9110 §13.1.2); weak comparison.
 */
export function sameBody(
  ifNoneMatch: string | undefined,
  urlDigest: string,
  bodyDigest: string,
): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const suffix = `-${urlDigest}-${bodyDigest}`;
  return clientTags(ifNoneMatch).some((t) => t.endsWith(suffix));
}

/** The opaque parts of the tags in `If-None-Match`, weak prefix and quotes stripped. */
function clientTags(ifNoneMatch: string): string[] {
  return ifNoneMatch.split(',').map((t) => {
    const tag = t.trim();
    const bare = tag.startsWith('W/') ? tag.slice(2) : tag;
    return bare.startsWith('"') && bare.endsWith('"') ? bare.slice(1, -1) : bare;
  });
}

/** An app polls the same few hundred URLs: their digests are kept. */
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
