import { formatHmId, parseHmId, type UnpackedHmId } from '../blob/hm-id.ts';
import { InvalidInputError } from '../errors.ts';
import { asObject } from './query-params.ts';

/**
 * Wire forms shared by several keys: hm:// IDs (packed text or Seed's UnpackedHypermediaId object)
 * and `{seconds, nanos}` timestamps.
 */

/** The UnpackedHypermediaId object as the schemas name it (no extra fields: some clients are strict). */
export type WireHmId = {
  id: string;
  uid: string;
  path: string[] | null;
  version: string | null;
  blockRef: string | null;
  blockRange: { start: number; end: number } | { expanded: true } | null;
  hostname: string | null;
  scheme: string | null;
  latest?: boolean | null;
};

export type WireTimestamp = { seconds: number; nanos: number };

export function timestamp(ms: number): WireTimestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** A document's ID object from its account and path (`/a/b`, or `''` for home). */
export function documentId(
  account: string,
  path: string | string[] | null,
  version: string | null = null,
): WireHmId {
  const segments = typeof path === 'string' ? splitPath(path) : path?.length ? path : null;
  // Built directly, not parsed: the parts come from index rows, already checked when indexed,
  // and a listing builds a thousand of these (parsing re-decodes the account each time).
  const encoded = (segments ?? []).map((s) => encodeURIComponent(s));
  return {
    id: `hm://${[account, ...encoded].join('/')}`,
    uid: account,
    path: segments,
    version,
    blockRef: null,
    blockRange: null,
    hostname: null,
    scheme: 'hm',
    latest: version === null,
  };
}

export function toWire(id: UnpackedHmId): WireHmId {
  return {
    id: id.id,
    uid: id.uid,
    path: id.path,
    version: id.version,
    blockRef: id.blockRef,
    blockRange: id.blockRange,
    hostname: id.hostname,
    scheme: id.scheme,
    latest: id.latest,
  };
}

/**
 * An ID parameter: packed `hm://…` text (the compact form) or an UnpackedHypermediaId object (its
 * JSON form, as the schema allows). Only `uid`, `path`, `version` and `latest` matter to lookups.
 */
export function hmIdInput(value: unknown, field: string): UnpackedHmId {
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('{')) return hmIdInput(parseJsonObject(text, field), field);
    return parseHmId(text, field);
  }
  const o = asObject(value, field);
  if (typeof o.id === 'string' && o.id.startsWith('hm://')) {
    const parsed = parseHmId(o.id, field);
    const version = typeof o.version === 'string' && o.version ? o.version : parsed.version;
    return { ...parsed, version, latest: o.latest === true || version === null };
  }
  if (typeof o.uid !== 'string') throw new InvalidInputError('needs "id" or "uid"', { field });
  const path = Array.isArray(o.path) ? (o.path as string[]) : null;
  const version = typeof o.version === 'string' && o.version ? o.version : null;
  return parseHmId(formatHmId({ uid: o.uid, path, version }), field);
}

/** A document as the index's read handlers take it. */
export type DocumentTarget = { account: string; path: string };

/** A document parameter (`targetId`, `id`): packed `hm://…` text or the object's JSON. */
export function documentParam(value: unknown, field: string): DocumentTarget {
  const id = hmIdInput(value, field);
  return { account: id.uid, path: joinPath(id.path) };
}

/** `/a/b` → `['a','b']`; `''`/`/` → null. */
export function splitPath(path: string): string[] | null {
  const segments = path.split('/').filter((s) => s.length > 0);
  return segments.length > 0 ? segments : null;
}

/** `['a','b']` → `/a/b`; null → `''` (Seed's form for the home document). */
export function joinPath(path: string[] | null): string {
  return path && path.length > 0 ? `/${path.join('/')}` : '';
}

function parseJsonObject(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError('must be an hm:// ID or its JSON object', { field });
  }
}

/** Query parameter kinds of an UnpackedHypermediaId input (Resource, ResourceMetadata schemas). */
export const HM_ID_PARAMS = {
  id: 'string',
  uid: 'string',
  path: 'json',
  version: 'string',
  blockRef: 'string',
  blockRange: 'json',
  hostname: 'string',
  scheme: 'string',
  latest: 'boolean',
  targetDocUid: 'string',
  targetDocPath: 'json',
} as const;

/** Input of an ID key from its parsed parameters: `id=<hm://…>` alone, or the object's fields. */
export function hmIdFromParams(params: Record<string, unknown>, field = 'id'): UnpackedHmId {
  if (params.id === undefined && params.uid === undefined) {
    throw new InvalidInputError('is required', { field });
  }
  return hmIdInput(params.id !== undefined && params.uid === undefined ? params.id : params, field);
}
