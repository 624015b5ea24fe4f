import { formatHmId } from '../../blob/hm-id.ts';
import { InvalidInputError } from '../../errors.ts';
import type { DocumentHead } from '../../index/read-types.ts';
import type { DiscoveryProgress } from '../../sync/discovery/discovery-task.ts';
import type { ApiKey, KeyContext } from '../api-key.ts';
import { optionalString, requiredString } from '../query-params.ts';

type Input = { uid: string; path: string; version?: string; latest: boolean; iri: string };
type Output = { state: 'pending' | 'found' | 'failed'; version?: string; error?: string };

/** Said when the node runs without p2p: only local content is served. */
export const DISCOVERY_NOT_RUNNING =
  'discovery is not running on this node (started without p2p); only local content is served';

/**
 * `DiscoveryStatus` (compact form: `uid`, `path` joined by `/`, `v`, `l`). With p2p on, it asks
 * the discovery scheduler for the task of this resource — joining the running task (which renews
 * the app's interest and keeps it hot) or starting one — and maps its state: queued/running →
 * `pending`; done → `found` with the local version, or `failed` when no peer had it; failed or
 * expired → `failed`. Without p2p it answers from local data: `found` when the document (at `v`,
 * if given) is here, else `failed` saying no discovery runs, so clients stop waiting.
 */
export const DiscoveryStatusKey: ApiKey<Input, Output> = {
  key: 'DiscoveryStatus',
  method: 'GET',
  params: {
    uid: 'string',
    path: 'string',
    v: 'string',
    l: 'boolean',
    version: 'string',
    latest: 'boolean',
  },
  toInput: (params) => {
    const uid = requiredString(params, 'uid');
    const rawPath = optionalString(params, 'path') ?? '';
    if (rawPath.startsWith('[')) {
      throw new InvalidInputError('segments joined by "/"', { field: 'path' });
    }
    const segments = rawPath.split('/').filter((s) => s.length > 0);
    const version = optionalString(params, 'v') ?? optionalString(params, 'version');
    const latest = params.l === true || params.latest === true;
    // Checked here so a bad uid or version is a 400, not a failed task.
    const iri = formatHmId({ uid, path: segments, version: version ?? null });
    return { uid, path: segments.length ? `/${segments.join('/')}` : '', version, latest, iri };
  },
  // Not cacheable: the answer moves with the task, not with database commits.
  cacheable: false,
  async run(ctx, input) {
    if (ctx.discovery) {
      const p = ctx.discovery.discover({
        iri: input.iri,
        version: input.version ?? null,
        hot: true,
      });
      return fromProgress(p);
    }
    return fromLocal(ctx, input);
  },
};

function fromProgress(p: DiscoveryProgress): Output {
  if (p.state === 'queued' || p.state === 'running') return { state: 'pending' };
  if (p.state === 'done' && p.resultVersion) return { state: 'found', version: p.resultVersion };
  return { state: 'failed', error: p.lastError ?? 'no peer had this resource' };
}

async function fromLocal(ctx: KeyContext, input: Input): Promise<Output> {
  const row = await ctx.store.read<DocumentHead | null>({
    op: 'api.DiscoveryStatus',
    handler: 'index.documentHead',
    args: { account: input.uid, path: input.path },
    signal: ctx.signal,
  });
  const live = row && !row.tombstone;
  if (live && (!input.version || input.latest || hasVersion(row, input.version))) {
    return { state: 'found', version: row.version };
  }
  return { state: 'failed', error: DISCOVERY_NOT_RUNNING };
}

/** The wanted version is here when each of its heads is a head or the whole version matches. */
function hasVersion(row: DocumentHead, version: string): boolean {
  if (row.version === version) return true;
  return version.split('.').every((cid) => row.heads.includes(cid));
}
