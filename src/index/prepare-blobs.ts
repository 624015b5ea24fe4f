import { CID } from 'multiformats/cid';
import type {
  Capability,
  Change,
  Comment,
  Contact,
  Profile,
  Ref,
  StructuralBlob,
} from '../blob/blob-types.ts';
import { asLink } from '../blob/decode-fields.ts';
import { accountIdFromPrincipal } from '../blob/principal.ts';
import { createTsid } from '../blob/tsid.ts';
import { verifyBlob } from '../blob/verify-blob.ts';
import { BlobError, InvalidInputError, SeedlingError } from '../errors.ts';
import type { IndexEntry, PreparedBlob } from './index-input.ts';
import { changeLinks, commentLinks } from './links.ts';
import type { Json } from './read-types.ts';

/**
 * `index.prepareBlobs` (pool thread): all CPU work of indexing — size/CID/signature checks
 * (TYPES' verifyBlob), decoding, principal → account ID, CID → string, TSIDs — so that the
 * writer only inserts. One bad blob yields a failure item; the others are unaffected.
 */

/** Most blobs in one prepare call (the API and sync send batches far below it). */
export const MAX_PREPARE_ITEMS = 10_000;

export function prepareBlobs(args: unknown): PreparedBlob[] {
  if (!Array.isArray(args) || args.length > MAX_PREPARE_ITEMS) {
    throw new InvalidInputError(`must be an array of at most ${MAX_PREPARE_ITEMS} {cid?, data}`, {
      field: 'blobs',
    });
  }
  return args.map((item, i) => prepareOne(item, i));
}

function prepareOne(item: unknown, i: number): PreparedBlob {
  const given = (item as { cid?: unknown } | null)?.cid;
  try {
    if (typeof item !== 'object' || item === null) {
      throw new BlobError('BLOB_MALFORMED', 'must be an object {cid?, data}', {
        field: `blobs[${i}]`,
      });
    }
    const { data } = item as { data?: unknown };
    if (
      given !== undefined &&
      given !== null &&
      typeof given !== 'string' &&
      !(given instanceof Uint8Array)
    ) {
      throw new BlobError('BAD_CID', 'must be a CID string (or its bytes)', {
        field: `blobs[${i}].cid`,
      });
    }
    const verified = verifyBlob({ cid: given ?? undefined, data: data as Uint8Array });
    const cid = verified.cid.toString();
    const blob = verified.blob;
    return {
      kind: 'blob',
      cid,
      multihash: verified.cid.multihash.bytes,
      codec: verified.codec,
      data: verified.data,
      blobType:
        blob === null ? 'raw' : blob.type === 'Unknown' ? `Unknown:${blob.blobType}` : blob.type,
      entry: blob === null ? null : entryOf(blob, cid, verified.data),
    };
  } catch (err) {
    if (!(err instanceof SeedlingError)) throw err;
    return { kind: 'error', cid: cidTextOf(given), code: err.code, error: err.message };
  }
}

/** The CID a failure names: as given, or the text of given bytes (null when they are no CID). */
function cidTextOf(given: unknown): string | null {
  if (typeof given === 'string') return given;
  if (!(given instanceof Uint8Array)) return null;
  try {
    return CID.decode(given).toString();
  } catch {
    return null;
  }
}

/** Decoded blob → plain index entry (null for a type we do not index). */
export function entryOf(blob: StructuralBlob, cid: string, data: Uint8Array): IndexEntry | null {
  const base = { cid, author: accountIdFromPrincipal(blob.signer) as string, ts: blob.ts };
  switch (blob.type) {
    case 'Change':
      return changeEntry(blob, base);
    case 'Ref':
      return refEntry(blob, base);
    case 'Capability':
      return capabilityEntry(blob, base);
    case 'Comment':
      return commentEntry(blob, base, data);
    case 'Profile':
      return profileEntry(blob, base);
    case 'Contact':
      return contactEntry(blob, base, data);
    default:
      return null;
  }
}

type Base = { cid: string; author: string; ts: number };

function changeEntry(blob: Change, base: Base): IndexEntry {
  const attrs: { key: string[]; value: Json }[] = [];
  for (const op of blob.ops) {
    if (op.type === 'SetAttributes' && op.block === '') {
      for (const a of op.attrs) attrs.push({ key: a.key, value: toJson(a.value) });
    } else if (op.type === 'SetKey') {
      attrs.push({ key: [op.key], value: toJson(op.value) });
    }
  }
  return {
    ...base,
    type: 'Change',
    genesis: blob.genesis?.toString() ?? null,
    deps: blob.deps.map(String),
    depth: blob.depth,
    attrs,
    links: changeLinks(blob.ops),
  };
}

function refEntry(blob: Ref, base: Base): IndexEntry {
  const account = blob.space ? account_(blob.space) : base.author;
  return {
    ...base,
    type: 'Ref',
    account,
    path: checkPath(blob.path, 'path'),
    genesis: blob.genesisBlob.toString(),
    heads: blob.heads.map(String).sort(),
    generation: blob.generation,
    capability: blob.capability?.toString() ?? null,
    redirect: blob.redirect
      ? {
          account: account_(blob.redirect.space),
          path: checkPath(blob.redirect.path, 'redirect.path'),
          republish: blob.redirect.republish,
        }
      : null,
  };
}

function capabilityEntry(blob: Capability, base: Base): IndexEntry {
  // The space is the issuer's account unless the blob names one (Seed's `space`, kept in extra).
  const space = blob.extra.space instanceof Uint8Array ? account_(blob.extra.space) : base.author;
  return {
    ...base,
    type: 'Capability',
    account: space,
    delegate: account_(blob.delegate),
    path: checkPath(blob.path, 'path'),
    role: blob.role,
    label: blob.label,
    audience: blob.audience ? account_(blob.audience) : null,
  };
}

function commentEntry(blob: Comment, base: Base, data: Uint8Array): IndexEntry {
  const capability = asLink(blob.extra.capability)?.toString() ?? null;
  const account = account_(blob.space);
  const path = checkPath(blob.path, 'path');
  const version = blob.version.map(String);
  const body = blob.body.map(toJson);
  return {
    ...base,
    type: 'Comment',
    tsid: blob.id ?? createTsid(blob.ts, data),
    account,
    path,
    version,
    body,
    replyParent: blob.replyParent?.toString() ?? null,
    threadRoot: blob.threadRoot?.toString() ?? null,
    capability,
    // A deletion (empty body) links nothing, not even its target.
    links: body.length === 0 ? [] : commentLinks(body, { account, path, version }),
  };
}

function profileEntry(blob: Profile, base: Base): IndexEntry {
  return {
    ...base,
    type: 'Profile',
    account: blob.account ? account_(blob.account) : base.author,
    name: blob.name,
    avatar: blob.avatar,
    description: blob.description,
    alias: blob.alias ? account_(blob.alias) : null,
  };
}

function contactEntry(blob: Contact, base: Base, data: Uint8Array): IndexEntry {
  return {
    ...base,
    type: 'Contact',
    tsid: blob.id ?? createTsid(blob.ts, data),
    account: blob.account ? account_(blob.account) : base.author,
    subject: account_(blob.subject),
    name: blob.name,
    subscribe: blob.subscribe,
  };
}

function account_(principal: Uint8Array): string {
  return accountIdFromPrincipal(principal) as string;
}

/** Seed paths are '' (home) or '/segment/…' without empty segments or a trailing slash. */
function checkPath(path: string, field: string): string {
  if (path === '' || (path.startsWith('/') && !path.endsWith('/') && !path.includes('//'))) {
    return path;
  }
  throw new BlobError('BLOB_MALFORMED', `bad document path ${JSON.stringify(path)}`, { field });
}

/** A decoded DAG-CBOR value as JSON: CID links become `{"/": cid}`, bytes `{"/": {"bytes": base64}}`. */
export function toJson(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (value instanceof Uint8Array) return { '/': { bytes: Buffer.from(value).toString('base64') } };
  const cid = asLink(value);
  if (cid) return { '/': cid.toString() };
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return null;
}
