import {
  API_MAX_BLOBS_PER_PUBLISH,
  API_PUBLISH_INLINE_BLOBS,
  API_PUBLISH_INLINE_BYTES,
} from '../../constants.ts';
import { BlobError, InvalidInputError } from '../../errors.ts';
import {
  entrySpace,
  type IndexInput,
  type PreparedBlob,
  type PutResult,
} from '../../index/index-input.ts';
import { prepareBlobs } from '../../index/prepare-blobs.ts';
import type { ApiKey } from '../api-key.ts';
import { asObject } from '../query-params.ts';

type Input = { blobs: { cid?: string; data: Uint8Array }[] };

/**
 * `PublishBlobs`: verify, store and index blobs; answers their CIDs in request order.
 *
 * All-or-nothing at verification: every blob is verified first (`index.prepareBlobs`: size, CID
 * match, DAG-CBOR, signature). The app's own edits are a Change and a Ref or so: up to
 * API_PUBLISH_INLINE_BLOBS blobs and API_PUBLISH_INLINE_BYTES are verified right here on the main
 * thread (~0.1 ms a blob), so a publish never waits in the reader pool behind a scan; larger
 * requests go to the pool. If any fails, the request answers
 * 400 naming the first bad blob (`blobs[i]: why`) and NOTHING of it is written. Only a fully valid
 * request reaches the writer, as one `interactive` job (`index.putBlobs`), so the writer thread
 * does no hashing or signature work. Blobs already stored are left as they are (a duplicate is ok).
 * The blobs newly stored are then announced to the peers that follow their spaces (src/sync/announcer.ts).
 */
export const PublishBlobsKey: ApiKey<Input, { cids: string[] }> = {
  key: 'PublishBlobs',
  method: 'POST',
  checkBody,
  cacheable: false,
  async run(ctx, input) {
    if (input.blobs.length === 0) return { cids: [] };
    const prepared = isSmall(input.blobs)
      ? prepareBlobs(input.blobs)
      : await ctx.store.read<PreparedBlob[]>({
          op: 'api.PublishBlobs',
          handler: 'index.prepareBlobs',
          args: input.blobs,
          signal: ctx.signal,
        });
    const ready = prepared.map((p, i) => {
      if (p.kind === 'error')
        throw new BlobError(p.code, p.error.replace(/^blobs\[\d+\](\.\w+)?: /, ''), {
          field: `blobs[${i}]`,
        });
      return p;
    });
    const results = await ctx.store.write<PutResult[]>({
      op: 'api.PublishBlobs',
      class: 'interactive',
      handler: 'index.putBlobs',
      payload: ready,
    });
    const failed = results.findIndex((r) => !r.ok);
    if (failed >= 0) {
      const r = results[failed]!;
      throw new BlobError(r.code ?? 'BLOB_REJECTED', r.error ?? 'rejected by the index', {
        field: `blobs[${failed}]`,
      });
    }
    const stored = results.flatMap((r) => (r.status !== 'duplicate' && r.cid ? [r.cid] : []));
    if (stored.length > 0) {
      ctx.announce?.(new Set(ready.flatMap((p) => (p.entry ? [entrySpace(p.entry)] : []))), stored);
    }
    return { cids: ready.map((p: IndexInput) => p.cid) };
  },
};

function isSmall(blobs: Input['blobs']): boolean {
  if (blobs.length > API_PUBLISH_INLINE_BLOBS) return false;
  return blobs.reduce((n, b) => n + b.data.byteLength, 0) <= API_PUBLISH_INLINE_BYTES;
}

function checkBody(body: unknown): Input {
  const o = asObject(body, 'body');
  const blobs = o.blobs;
  if (!Array.isArray(blobs)) throw new InvalidInputError('must be an array', { field: 'blobs' });
  if (blobs.length > API_MAX_BLOBS_PER_PUBLISH) {
    throw new InvalidInputError(`at most ${API_MAX_BLOBS_PER_PUBLISH} blobs per request`, {
      field: 'blobs',
    });
  }
  return { blobs: blobs.map((b, i) => checkItem(b, i)) };
}

function checkItem(value: unknown, i: number): { cid?: string; data: Uint8Array } {
  const item = asObject(value, `blobs[${i}]`);
  if (!(item.data instanceof Uint8Array)) {
    throw new InvalidInputError('must be a byte string', { field: `blobs[${i}].data` });
  }
  const cid = cidText(item.cid, i);
  return cid === undefined ? { data: item.data } : { cid, data: item.data };
}

/** A CID given as text, or as a CBOR link (tag 42) by a client that encodes it so. */
function cidText(value: unknown, i: number): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && (value as { asCID?: unknown }).asCID === value)
    return String(value);
  throw new InvalidInputError('must be a CID string', { field: `blobs[${i}].cid` });
}
