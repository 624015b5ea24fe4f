import { decodeDagCbor } from '../../blob/dag-cbor.ts';
import { principalFromAccountId } from '../../blob/principal.ts';
import { BlobError, InvalidInputError } from '../../errors.ts';
import type { DocumentRow, GetCidResult } from '../../index/read-types.ts';
import type { DocumentState } from '../../index/replay/document-state.ts';
import {
  emptyDocumentState,
  prepareUnsignedChange,
  type SeedEdit,
} from '../../index/replay/prepare-change.ts';
import type { ApiKey, KeyContext } from '../api-key.ts';
import { asObject, optionalString, requiredString } from '../query-params.ts';

type Input = {
  account: string;
  path: string;
  baseVersion?: string;
  changes: SeedEdit[];
  capability?: string;
};

/**
 * `PrepareDocumentChange`: applies Seed's edit list to the document at `baseVersion` (default: the
 * latest) with the replay CRDT and answers the new Change's DAG-CBOR bytes with `sig` zeroed; the
 * client signs and publishes them. The node never holds the user's key.
 *
 * The signer is the account, or the capability's delegate when `capability` is given. A document
 * with no Changes yet gets a genesis Change carrying the content (Seed's CLI shape).
 */
export const PrepareDocumentChangeKey: ApiKey<Input, { unsignedChange: Uint8Array }> = {
  key: 'PrepareDocumentChange',
  method: 'POST',
  checkBody,
  cacheable: false,
  async run(ctx, input) {
    const signer = input.capability
      ? await capabilityDelegate(ctx, input.capability)
      : principalFromAccountId(input.account);
    const loaded = await loadBase(ctx, input);
    const { data } = prepareUnsignedChange(loaded ?? emptyDocumentState(), input.changes, {
      signer,
    });
    // A plain Uint8Array: superjson names the class, and a Buffer would not decode on the client.
    return { unsignedChange: new Uint8Array(data) };
  },
};

/** The document at `baseVersion`, or at its current version; null for a document not created yet. */
async function loadBase(ctx: KeyContext, input: Input): Promise<DocumentState | null> {
  let version = input.baseVersion;
  if (!version) {
    const row = await ctx.store.read<DocumentRow | null>({
      op: 'api.PrepareDocumentChange',
      handler: 'index.resourceMetadata',
      args: { account: input.account, path: input.path },
      signal: ctx.signal,
    });
    if (!row || row.tombstone || !row.version) return null;
    version = row.version;
  }
  const state = await ctx.loadResource({ account: input.account, path: input.path, version });
  if (!state && input.baseVersion) {
    throw new InvalidInputError(`no document at version ${input.baseVersion}`, {
      field: 'baseVersion',
    });
  }
  return state;
}

function checkBody(body: unknown): Input {
  const o = asObject(body, 'body');
  const account = requiredString(o, 'account');
  principalFromAccountId(account);
  if (!Array.isArray(o.changes))
    throw new InvalidInputError('must be an array', { field: 'changes' });
  const path = optionalString(o, 'path') ?? '';
  const segments = path.split('/').filter((s) => s.length > 0);
  const input: Input = {
    account,
    path: segments.length ? `/${segments.join('/')}` : '',
    changes: o.changes as SeedEdit[], // each edit is checked by REPLAY's parseSeedEdits, naming changes[i]
  };
  const baseVersion = optionalString(o, 'baseVersion');
  if (baseVersion) input.baseVersion = baseVersion;
  const capability = optionalString(o, 'capability');
  if (capability) input.capability = capability;
  return input;
}

/** The delegate principal of a stored Capability blob. */
async function capabilityDelegate(ctx: KeyContext, cid: string): Promise<Uint8Array> {
  const row = await ctx.store.read<GetCidResult>({
    op: 'api.PrepareDocumentChange',
    handler: 'index.getCid',
    args: { cid },
    signal: ctx.signal,
  });
  if (!row)
    throw new InvalidInputError('capability not found on this node', { field: 'capability' });
  const blob = decodeDagCbor(new Uint8Array(row.data)) as Record<string, unknown>;
  if (blob.type !== 'Capability' || !(blob.delegate instanceof Uint8Array)) {
    throw new BlobError('BAD_CAPABILITY', 'is not a Capability blob', { field: 'capability' });
  }
  return blob.delegate;
}
