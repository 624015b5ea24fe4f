import { NotFoundError } from '../errors.ts';
import type { DocumentCache } from '../index/document-cache.ts';
import type { DocumentState } from '../index/replay/document-state.ts';
import type { ApiStore, ResourceLoader } from './api-key.ts';
import { documentId } from './wire-ids.ts';

/**
 * Replayed documents for `Resource` and `PrepareDocumentChange`: REPLAY's `replay.resource` runs in
 * the reader pool (load the changes, end the read, replay), behind the (document, version) cache on
 * the main thread, so concurrent identical requests share one replay and a version is replayed
 * once. Callers pass the version they want (the index row's current version for "latest"), which
 * is what makes the cache key exact.
 */
export function documentLoader(
  store: ApiStore,
  cache: DocumentCache<DocumentState>,
): ResourceLoader {
  return async ({ account, path, version }) => {
    const load = () => replay(store, account, path, version ?? undefined);
    if (!version) return load().catch(nullIfMissing);
    return cache
      .get({ document: documentId(account, path).id, version }, load)
      .catch(nullIfMissing);
  };
}

async function replay(
  store: ApiStore,
  account: string,
  path: string,
  version: string | undefined,
): Promise<DocumentState> {
  const args = version ? { account, path, version } : { account, path };
  const state = await store.read<DocumentState | null>({
    op: 'api.Resource',
    handler: 'replay.resource',
    args,
  });
  // Absence is thrown so the cache never keeps it (the document may arrive a moment later).
  if (!state) throw new NotFoundError(`no document ${account}${path}`);
  return state;
}

function nullIfMissing(err: unknown): null {
  if (err instanceof NotFoundError) return null;
  throw err;
}
