/**
 * Hypermedia resource IDs: `hm://<account>/<path…>?v=<version>&l#<blockId>[<start>:<end>]`
 * (or `#<blockId>+` for an expanded block). `v` pins a version (head CIDs joined by `.`), `l` asks
 * for the latest; an ID without `v` means latest. Shapes follow Seed's own `UnpackedHypermediaId`
 * so API answers carry the same fields.
 */
import { InvalidInputError } from '../errors.ts';
import { parseCid } from './cid.ts';
import { principalFromAccountId } from './principal.ts';

export type BlockRange = { start: number; end: number } | { expanded: true };

export type UnpackedHmId = {
  /** `hm://<uid>` plus the path: the resource without version or fragment. */
  id: string;
  uid: string;
  /** Path segments, or null for the account's home document. */
  path: string[] | null;
  /** Head CIDs joined by `.`, or null. */
  version: string | null;
  blockRef: string | null;
  blockRange: BlockRange | null;
  /** True when `l` was given or no version is pinned. */
  latest: boolean;
  hostname: null;
  scheme: 'hm';
};

export type HmIdParts = {
  uid: string;
  path?: string[] | null;
  version?: string | null;
  latest?: boolean;
  blockRef?: string | null;
  blockRange?: BlockRange | null;
};

const PREFIX = 'hm://';
const MAX_ID_TEXT = 4096;
const BLOCK_ID = /^[A-Za-z0-9_-]{1,64}$/;
const FRAGMENT = /^([^[+]+)(?:\+|\[(\d{1,9}):(\d{1,9})\])?$/;

/** Parses an `hm://` ID; `InvalidInputError` (field `id`) naming the bad part. */
export function parseHmId(text: string, field = 'id'): UnpackedHmId {
  if (typeof text !== 'string' || !text.startsWith(PREFIX) || text.length > MAX_ID_TEXT) {
    throw new InvalidInputError('expected "hm://<account>/<path>"', { field });
  }
  const { rest: beforeFragment, tail: fragment } = splitOnce(text.slice(PREFIX.length), '#');
  const { rest: location, tail: query } = splitOnce(beforeFragment, '?');
  const [uid = '', ...rawPath] = location.split('/');
  checkUid(uid, field);
  const path = parsePath(rawPath, field);
  const { version, latestFlag } = parseQuery(query, field);
  const { blockRef, blockRange } = parseFragment(fragment, field);
  return {
    id: baseId(uid, path),
    uid,
    path,
    version,
    blockRef,
    blockRange,
    latest: latestFlag || version === null,
    hostname: null,
    scheme: 'hm',
  };
}

/** A document's ID text from index fields (`path` as `/a/b`, '' for home), segments URI-encoded. */
export function documentIri(account: string, path: string): string {
  return `${PREFIX}${account}${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** Formats an ID; `parseHmId(formatHmId(p))` gives `p` back. */
export function formatHmId(parts: HmIdParts): string {
  checkUid(parts.uid, 'uid');
  const path = parts.path && parts.path.length > 0 ? parts.path : null;
  for (const segment of path ?? []) checkSegment(segment, 'path');
  let text = baseId(parts.uid, path);
  const query: string[] = [];
  if (parts.version) {
    checkVersion(parts.version, 'version');
    query.push(`v=${parts.version}`);
    if (parts.latest) query.push('l');
  }
  if (query.length > 0) text += `?${query.join('&')}`;
  if (parts.blockRef) text += `#${formatFragment(parts.blockRef, parts.blockRange ?? null)}`;
  else if (parts.blockRange)
    throw new InvalidInputError('needs a blockRef', { field: 'blockRange' });
  return text;
}

/** `/a/b` → `['a', 'b']`; `''` or `/` → null (the home document). */
export function pathFromString(path: string): string[] | null {
  const segments = path.split('/').filter((s) => s.length > 0);
  return segments.length > 0 ? segments : null;
}

/** `['a', 'b']` → `/a/b`; null → `''` (the home document). */
export function pathToString(path: string[] | null): string {
  return path && path.length > 0 ? `/${path.join('/')}` : '';
}

function baseId(uid: string, path: string[] | null): string {
  const encoded = (path ?? []).map((s) => encodeURIComponent(s));
  return `${PREFIX}${[uid, ...encoded].join('/')}`;
}

function splitOnce(text: string, sep: string): { rest: string; tail: string | null } {
  const at = text.indexOf(sep);
  return at < 0
    ? { rest: text, tail: null }
    : { rest: text.slice(0, at), tail: text.slice(at + 1) };
}

function checkUid(uid: string, field: string): void {
  try {
    principalFromAccountId(uid);
  } catch (cause) {
    throw new InvalidInputError(`"${uid.slice(0, 60)}" is not an account ID`, { field, cause });
  }
}

function parsePath(raw: string[], field: string): string[] | null {
  // A trailing slash (`hm://z6Mk…/`) names the home document, as in Seed's apps.
  const segments = raw.length > 0 && raw[raw.length - 1] === '' ? raw.slice(0, -1) : raw;
  if (segments.length === 0) return null;
  return segments.map((s) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(s);
    } catch (cause) {
      throw new InvalidInputError(`bad percent-encoding in path segment "${s}"`, { field, cause });
    }
    checkSegment(decoded, field);
    return decoded;
  });
}

function checkSegment(segment: string, field: string): void {
  if (typeof segment !== 'string' || segment.length === 0 || segment.includes('/')) {
    throw new InvalidInputError('path segments must be non-empty and contain no "/"', { field });
  }
  try {
    encodeURIComponent(segment); // throws on lone surrogates, which no URL can carry
  } catch (cause) {
    throw new InvalidInputError('path segment is not well-formed Unicode', { field, cause });
  }
}

function parseQuery(query: string | null, field: string) {
  let version: string | null = null;
  let latestFlag = false;
  for (const item of query ? query.split('&') : []) {
    if (item === '') continue;
    const { rest: key, tail: value } = splitOnce(item, '=');
    if (key === 'v' && value) {
      checkVersion(value, field);
      version = value;
    } else if (key === 'l') {
      latestFlag = true;
    } // other parameters (Seed's apps add a few for their UI) are ignored
  }
  return { version, latestFlag };
}

function checkVersion(version: string, field: string): void {
  for (const cid of version.split('.')) parseCid(cid, field);
}

function parseFragment(fragment: string | null, field: string) {
  if (fragment === null || fragment === '') return { blockRef: null, blockRange: null };
  const m = FRAGMENT.exec(fragment);
  if (!m || !BLOCK_ID.test(m[1]!)) {
    throw new InvalidInputError(`bad block reference "#${fragment.slice(0, 80)}"`, { field });
  }
  let blockRange: BlockRange | null = null;
  if (fragment.endsWith('+')) blockRange = { expanded: true };
  else if (m[2] !== undefined) blockRange = checkRange(Number(m[2]), Number(m[3]), field);
  return { blockRef: m[1]!, blockRange };
}

function formatFragment(blockRef: string, range: BlockRange | null): string {
  if (!BLOCK_ID.test(blockRef)) throw new InvalidInputError('bad block ID', { field: 'blockRef' });
  if (!range) return blockRef;
  if ('expanded' in range) return `${blockRef}+`;
  checkRange(range.start, range.end, 'blockRange');
  return `${blockRef}[${range.start}:${range.end}]`;
}

function checkRange(start: number, end: number, field: string): BlockRange {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new InvalidInputError(`bad block range [${start}:${end}]`, { field });
  }
  return { start, end };
}
