import type { UnpackedHmId } from '../../blob/hm-id.ts';
import type { DocumentRow } from '../../index/read-types.ts';
import type { DocumentState } from '../../index/replay/document-state.ts';
import type { ApiKey } from '../api-key.ts';
import { PUBLIC } from '../wire-documents.ts';
import {
  documentId,
  HM_ID_PARAMS,
  hmIdFromParams,
  joinPath,
  timestamp,
  toWire,
  type WireHmId,
} from '../wire-ids.ts';
import { wireMetadata } from '../wire-metadata.ts';

type Output =
  | { type: 'document'; id: WireHmId; document: Record<string, unknown> }
  | { type: 'redirect'; id: WireHmId; redirectTarget: WireHmId; republish: boolean }
  | { type: 'not-found' | 'tombstone'; id: WireHmId }
  | { type: 'error'; id: WireHmId; message: string };

/**
 * `Resource`: the full document. The index row says first whether it exists, is deleted or moved
 * (a point lookup); only a live document is replayed, through the (document, version) cache.
 * Absence is an answer, not an HTTP error (SEED-API.md).
 */
export const ResourceKey: ApiKey<UnpackedHmId, Output> = {
  key: 'Resource',
  method: 'GET',
  params: HM_ID_PARAMS,
  toInput: (params) => hmIdFromParams(params),
  cacheable: true,
  async run(ctx, id) {
    const wireId = toWire(id);
    const path = joinPath(id.path);
    const row = await ctx.store.read<DocumentRow | null>({
      op: 'api.Resource',
      handler: 'index.resourceMetadata',
      args: { account: id.uid, path },
      signal: ctx.signal,
    });
    if (!row) return { type: 'not-found', id: wireId };
    if (row.redirect) {
      const target = documentId(row.redirect.account, row.redirect.path);
      return {
        type: 'redirect',
        id: wireId,
        redirectTarget: target,
        republish: row.redirect.republish,
      };
    }
    if (row.tombstone) return { type: 'tombstone', id: wireId };
    const state = await ctx.loadResource({
      account: id.uid,
      path,
      version: id.version ?? row.version,
    });
    if (!state) return { type: 'not-found', id: wireId };
    return { type: 'document', id: wireId, document: wireDocument(row, state, path) };
  },
};

function wireDocument(
  row: DocumentRow,
  state: DocumentState,
  path: string,
): Record<string, unknown> {
  return {
    content: state.content,
    version: state.version,
    account: row.account,
    authors: state.authors,
    // Clients build the next Ref's `path` from this (SEED-API.md): '' for the home document.
    path,
    createTime: timestamp(state.createTime),
    updateTime: timestamp(state.updateTime),
    metadata: wireMetadata(state.metadata),
    detachedBlocks: {},
    genesis: state.genesis || row.genesis,
    generationInfo: { genesis: row.genesis, generation: BigInt(row.generation) },
    visibility: PUBLIC,
  };
}
