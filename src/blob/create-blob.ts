/**
 * Creators of signed structural blobs: fields + key → `{cid, data, blob}`.
 *
 * Each creator builds the wire map with only the fields that are set, signs it (signature.ts:
 * canonical DAG-CBOR with `sig` zeroed, then the signature patched in), hashes it into a CIDv1
 * (sha2-256 like Seed's TypeScript tools, or blake2b-256 like its Go node) and decodes the bytes
 * back, so `blob` is exactly what any reader of `data` will see and bad fields fail here, naming
 * the field, rather than at a peer.
 */
import type { CID } from 'multiformats/cid';
import { InvalidInputError } from '../errors.ts';
import type {
  Capability,
  Change,
  Comment,
  Contact,
  Profile,
  Ref,
  StructuralBlob,
} from './blob-types.ts';
import { CODEC, cidForBytes, type HashName } from './cid.ts';
import { decodeStructuralBlob } from './decode-blob.ts';
import { type ChangeFields, changeWireMap } from './encode-change.ts';
import type { KeyPair } from './keys.ts';
import { signBlobMap } from './signature.ts';

export type { ChangeFields } from './encode-change.ts';

export type CreateOptions = { hash?: HashName };
export type Created<T extends StructuralBlob> = { cid: CID; data: Uint8Array; blob: T };

type Common = { ts: number; extra?: Record<string, unknown> };
export type RefFields = Common & {
  space?: Uint8Array | null;
  path?: string;
  genesisBlob: CID;
  heads: CID[];
  generation: number;
  capability?: CID | null;
  redirect?: { space: Uint8Array; path: string; republish: boolean } | null;
};
export type CapabilityFields = Common & {
  delegate: Uint8Array;
  path?: string;
  role: string;
  audience?: Uint8Array | null;
  label?: string | null;
};
export type CommentFields = Common & {
  space: Uint8Array;
  path: string;
  version: CID[];
  body: unknown[];
  replyParent?: CID | null;
  threadRoot?: CID | null;
  id?: string | null;
};
export type ProfileFields = Common & {
  name?: string | null;
  avatar?: string | null;
  description?: string | null;
  alias?: Uint8Array | null;
  account?: Uint8Array | null;
};
export type ContactFields = Common & {
  subject: Uint8Array;
  name?: string | null;
  subscribe?: { site: boolean; profile: boolean } | null;
  id?: string | null;
  account?: Uint8Array | null;
};

export function createChange(f: ChangeFields, key: KeyPair, opts?: CreateOptions): Created<Change> {
  return create<Change>(changeWireMap(checkTs(f)), key, opts);
}

export function createRef(f: RefFields, key: KeyPair, opts?: CreateOptions): Created<Ref> {
  const { extra, ...fields } = checkTs(f);
  return create<Ref>(wireMap('Ref', fields, extra), key, opts);
}

export function createCapability(
  f: CapabilityFields,
  key: KeyPair,
  opts?: CreateOptions,
): Created<Capability> {
  const { extra, ...fields } = checkTs(f);
  return create<Capability>(wireMap('Capability', fields, extra), key, opts);
}

export function createComment(
  f: CommentFields,
  key: KeyPair,
  opts?: CreateOptions,
): Created<Comment> {
  const { extra, ...fields } = checkTs(f);
  return create<Comment>(wireMap('Comment', fields, extra), key, opts);
}

export function createProfile(
  f: ProfileFields,
  key: KeyPair,
  opts?: CreateOptions,
): Created<Profile> {
  const { extra, ...fields } = checkTs(f);
  return create<Profile>(wireMap('Profile', fields, extra), key, opts);
}

export function createContact(
  f: ContactFields,
  key: KeyPair,
  opts?: CreateOptions,
): Created<Contact> {
  const { extra, ...fields } = checkTs(f);
  return create<Contact>(wireMap('Contact', fields, extra), key, opts);
}

/** Signs any wire map (e.g. a blob of a type this version does not know, for tests and tools). */
export function createFromWireMap<T extends StructuralBlob = StructuralBlob>(
  map: Record<string, unknown>,
  key: KeyPair,
  opts?: CreateOptions,
): Created<T> {
  return create<T>(map, key, opts);
}

function create<T extends StructuralBlob>(
  map: Record<string, unknown>,
  key: KeyPair,
  opts: CreateOptions = {},
): Created<T> {
  const data = signBlobMap(map, key);
  const cid = cidForBytes(data, CODEC.dagCbor, opts.hash ?? 'sha2-256');
  return { cid, data, blob: decodeStructuralBlob(data) as T };
}

/** Wire map with `type` and every field that is set (not undefined or null); known fields win over extra. */
function wireMap(
  type: string,
  fields: Record<string, unknown>,
  extra: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const map: Record<string, unknown> = { ...extra, type };
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined && v !== null) map[k] = v;
  }
  return map;
}

function checkTs<T extends { ts: number }>(f: T): T {
  if (!Number.isSafeInteger(f.ts) || f.ts < 0) {
    throw new InvalidInputError('ts must be a non-negative integer of milliseconds', {
      field: 'ts',
    });
  }
  return f;
}
