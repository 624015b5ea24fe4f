/**
 * Decoded shapes of Seed's signed structural blobs (BLOBS.md), as the decoders in
 * `decode-*.ts` return them and the creators in `encode-*.ts` accept them.
 *
 * Conventions (shared by INDEX, REPLAY and the CLI):
 * 1. Links are multiformats `CID` objects; principals are raw `Uint8Array`s (34 bytes for Ed25519).
 * 2. Integers are checked JS numbers (safe integers); a value past 2^53 is a decode error, never
 *    a silently rounded number.
 * 3. Fields the wire may omit are `null` here (never `undefined`), so consumers need one check.
 * 4. Every blob keeps the top-level fields we do not know in `extra`, and unknown ops stay in the
 *    op list as `Unknown`: Seed's format grows, and a node must store and forward what it cannot
 *    read (BLOBS.md: "kept and ignored, not rejected").
 * These are values for the thread that decoded them; across threads send the blob bytes or plain
 * data (CID objects do not survive structured clone as CIDs).
 */
import type { CID } from 'multiformats/cid';

/** Fields every signed structural blob carries. */
export type BlobBase = {
  /** Principal of the signing key (multicodec prefix + public key). */
  signer: Uint8Array;
  /** 64-byte signature over the canonical bytes with `sig` zeroed. */
  sig: Uint8Array;
  /** Milliseconds since the Unix epoch (0 for an empty genesis Change). */
  ts: number;
  /** Top-level wire fields this version does not know, kept as decoded. */
  extra: Record<string, unknown>;
};

/** One edit of a document. */
export type Change = BlobBase & {
  type: 'Change';
  /** CID of the document's genesis Change; null in the genesis itself. */
  genesis: CID | null;
  /** Parent Changes, sorted by binary CID. Empty for a genesis. */
  deps: CID[];
  /** 1 + greatest depth among deps; null when absent (genesis). */
  depth: number | null;
  /** `body.ops` on the wire; empty when the body is absent. */
  ops: ChangeOp[];
  /** `body.opCount` on the wire; null when absent. */
  opCount: number | null;
};

export type ChangeOp =
  | { type: 'SetAttributes'; block: string; attrs: { key: string[]; value: unknown }[] }
  | { type: 'ReplaceBlock'; block: BlockData }
  | { type: 'MoveBlocks'; parent: string; blocks: string[]; ref: (number | bigint)[] }
  | { type: 'DeleteBlocks'; blocks: string[] }
  | { type: 'SetKey'; key: string; value: unknown }
  /** An op type we do not know: kept (so re-encoding is lossless) and ignored by replay. */
  | { type: 'Unknown'; opType: string; raw: Record<string, unknown> };

/** A document block as carried by ReplaceBlock; unknown block types and fields are kept. */
export type BlockData = {
  id: string;
  type: string;
  text?: string;
  link?: string;
  annotations?: unknown[];
  attributes?: Record<string, unknown>;
  [k: string]: unknown;
};

/** A version pointer for a path. */
export type Ref = BlobBase & {
  type: 'Ref';
  /** Account whose tree the path lives in; null when it equals the signer. */
  space: Uint8Array | null;
  /** Document path (`/a/b`), '' for the account's home document. */
  path: string;
  genesisBlob: CID;
  /** Head Changes: the version. Empty (without redirect) means a tombstone. */
  heads: CID[];
  generation: number;
  capability: CID | null;
  redirect: { space: Uint8Array; path: string; republish: boolean } | null;
};

/** A grant from the signer (issuer) to `delegate` over `path` in the issuer's space. */
export type Capability = BlobBase & {
  type: 'Capability';
  delegate: Uint8Array;
  path: string;
  role: string;
  audience: Uint8Array | null;
  label: string | null;
};

export type Comment = BlobBase & {
  type: 'Comment';
  space: Uint8Array;
  path: string;
  /** CIDs of the target document version. */
  version: CID[];
  /** Blocks with `children`; empty body = deletion of the comment with the same `id`. */
  body: unknown[];
  replyParent: CID | null;
  threadRoot: CID | null;
  id: string | null;
};

export type Profile = BlobBase & {
  type: 'Profile';
  name: string | null;
  avatar: string | null;
  description: string | null;
  alias: Uint8Array | null;
  account: Uint8Array | null;
};

export type Contact = BlobBase & {
  type: 'Contact';
  subject: Uint8Array;
  name: string | null;
  subscribe: { site: boolean; profile: boolean } | null;
  id: string | null;
  account: Uint8Array | null;
};

/** A well-formed signed blob of a type we do not know: stored and forwarded, not indexed. */
export type UnknownBlob = BlobBase & { type: 'Unknown'; blobType: string };

export type StructuralBlob = Change | Ref | Capability | Comment | Profile | Contact | UnknownBlob;

/** Wire names of the blob types this version understands. */
export const KNOWN_BLOB_TYPES = [
  'Change',
  'Ref',
  'Capability',
  'Comment',
  'Profile',
  'Contact',
] as const;
export type KnownBlobType = (typeof KNOWN_BLOB_TYPES)[number];

/** Result of the verify pipeline (verify-blob.ts). */
export type VerifiedBlob = {
  cid: CID;
  data: Uint8Array;
  codec: number;
  /** The decoded blob for DAG-CBOR structural blobs; null for raw and dag-pb bytes. */
  blob: StructuralBlob | null;
};
