import { InvalidInputError } from '../errors.ts';
import type { LinkEntry } from './links.ts';
import type { Json } from './read-types.ts';

/**
 * What `index.prepareBlobs` (pool thread) hands to `index.putBlobs` (writer): every blob already
 * verified and decoded into plain data — CID strings, account IDs, JSON values — so the writer
 * only inserts rows. Entries are JSON-serializable: a blob that must wait for its deps is kept in
 * `index_pending` as `JSON.stringify(entry)`.
 */

type EntryBase = {
  cid: string;
  /** Signer's account ID. */
  author: string;
  ts: number;
};

export type ChangeEntry = EntryBase & {
  type: 'Change';
  /** null for a genesis. */
  genesis: string | null;
  deps: string[];
  /** null when the blob has none (the writer derives it from the deps). */
  depth: number | null;
  /** Document-level attributes (SetAttributes on block '' and deprecated SetKey), in op order. */
  attrs: { key: string[]; value: Json }[];
  /** Links its blocks make (links.ts). */
  links: LinkEntry[];
};

export type RefEntry = EntryBase & {
  type: 'Ref';
  account: string;
  path: string;
  genesis: string;
  heads: string[];
  generation: number;
  capability: string | null;
  redirect: { account: string; path: string; republish: boolean } | null;
};

export type CapabilityEntry = EntryBase & {
  type: 'Capability';
  account: string;
  delegate: string;
  path: string;
  role: string;
  label: string | null;
  audience: string | null;
};

export type CommentEntry = EntryBase & {
  type: 'Comment';
  tsid: string;
  account: string;
  path: string;
  version: string[];
  body: Json[];
  replyParent: string | null;
  threadRoot: string | null;
  capability: string | null;
  /** Links its body makes, and its target (links.ts). */
  links: LinkEntry[];
};

export type ProfileEntry = EntryBase & {
  type: 'Profile';
  account: string;
  name: string | null;
  avatar: string | null;
  description: string | null;
  alias: string | null;
};

export type ContactEntry = EntryBase & {
  type: 'Contact';
  tsid: string;
  account: string;
  subject: string;
  name: string | null;
  subscribe: { site: boolean; profile: boolean } | null;
};

export type IndexEntry =
  | ChangeEntry
  | RefEntry
  | CapabilityEntry
  | CommentEntry
  | ProfileEntry
  | ContactEntry;

/** The space (account ID) an entry belongs to: its own, or for a Change (which names none) its author's. */
export function entrySpace(entry: IndexEntry): string {
  return 'account' in entry ? entry.account : entry.author;
}

/** A verified blob ready for the writer. `entry` is null for raw/dag-pb bytes and unknown blob types (stored, not indexed). */
export type IndexInput = {
  kind: 'blob';
  cid: string;
  multihash: Uint8Array;
  codec: number;
  data: Uint8Array;
  /** Wire type for unknown structural blobs ('Unknown:<type>'), 'raw' for non-structural bytes. */
  blobType: string;
  entry: IndexEntry | null;
};

/** A blob that failed verification or decoding; passed through `index.putBlobs` as a failed item. */
export type PrepareFailure = { kind: 'error'; cid: string | null; code: string; error: string };

export type PreparedBlob = IndexInput | PrepareFailure;

/** Per-item result of `index.putBlobs`. */
export type PutResult = {
  cid: string | null;
  ok: boolean;
  /** indexed: rows written; pending: stored, waits for deps/heads (or, for a profile/contact signed for another account, for a grant); duplicate: seen before; stored: kept but not indexed (raw bytes, unknown blob type). */
  status?: 'indexed' | 'pending' | 'duplicate' | 'stored';
  code?: string;
  error?: string;
};

const ENTRY_TYPES = new Set(['Change', 'Ref', 'Capability', 'Comment', 'Profile', 'Contact']);

/**
 * Writer-side shape check of one item (the payload crossed a thread boundary; the pool built it,
 * but the writer does not trust a malformed job to leave rows half-written).
 */
export function checkPrepared(value: unknown, field: string): PreparedBlob {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidInputError('must be an object', { field });
  }
  const v = value as Record<string, unknown>;
  if (v.kind === 'error') return value as PrepareFailure;
  if (v.kind !== 'blob') throw new InvalidInputError("kind must be 'blob' or 'error'", { field });
  if (typeof v.cid !== 'string' || v.cid.length === 0) {
    throw new InvalidInputError('must be a CID string', { field: `${field}.cid` });
  }
  if (!(v.multihash instanceof Uint8Array) || !(v.data instanceof Uint8Array)) {
    throw new InvalidInputError('multihash and data must be bytes', { field });
  }
  if (!Number.isSafeInteger(v.codec)) {
    throw new InvalidInputError('must be an integer', { field: `${field}.codec` });
  }
  if (v.entry !== null) checkEntry(v.entry, `${field}.entry`);
  return value as IndexInput;
}

function checkEntry(value: unknown, field: string): void {
  const e = value as Record<string, unknown> | null;
  if (typeof e !== 'object' || e === null || !ENTRY_TYPES.has(e.type as string)) {
    throw new InvalidInputError('must be an index entry', { field });
  }
  if (typeof e.cid !== 'string' || typeof e.author !== 'string' || !Number.isSafeInteger(e.ts)) {
    throw new InvalidInputError('cid, author and ts are required', { field });
  }
  if ((e.type === 'Change' || e.type === 'Comment') && !Array.isArray(e.links)) {
    throw new InvalidInputError('must be an array of links', { field: `${field}.links` });
  }
}

/** `index.blobSpaces`: the spaces of the blobs that verified, and those that did not. */
export type BlobSpaces = {
  spaces: string[];
  rejected: { cid: string | null; code: string; message: string }[];
};

export function blobSpaces(prepared: readonly PreparedBlob[]): BlobSpaces {
  const spaces = new Set<string>();
  const rejected: BlobSpaces['rejected'] = [];
  for (const p of prepared) {
    if (p.kind === 'error') rejected.push({ cid: p.cid, code: p.code, message: p.error });
    else if (p.entry) spaces.add(entrySpace(p.entry));
  }
  return { spaces: [...spaces], rejected };
}
