import { parseHmId, pathToString } from '../../blob/hm-id.ts';
import { InvalidInputError } from '../../errors.ts';
import { formatScope, type Scope } from '../scope.ts';

/**
 * What a caller asks discovery for, and the key that makes two identical asks one task
 * (DESIGN §5 "discovery as tasks, not calls"): the resource, the version wanted (if any), whether
 * children or the whole subtree come along, and whether it is on screen (hot) or a background refresh.
 */
export type DiscoveryRequest = {
  /** `hm://<account>/<path>`; a `?v=` inside pins the version unless `version` is given. */
  iri: string;
  version?: string | null;
  /** Also fetch the direct children (`children`) or the whole subtree (`subtree`). */
  recursive?: 'none' | 'children' | 'subtree';
  /** Hot: an app shows it now. Hot tasks run first and one worker slot is kept for them. */
  hot?: boolean;
};

export type NormalizedRequest = {
  key: string;
  account: string;
  path: string;
  version: string | null;
  recursive: 'none' | 'children' | 'subtree';
  hot: boolean;
  /** Scopes to reconcile, most specific first. */
  scopes: string[];
};

export function normalizeRequest(req: DiscoveryRequest): NormalizedRequest {
  if (typeof req?.iri !== 'string') {
    throw new InvalidInputError('must be an hm:// ID', { field: 'iri' });
  }
  const id = parseHmId(req.iri, 'iri');
  const recursive = req.recursive ?? 'none';
  if (!['none', 'children', 'subtree'].includes(recursive)) {
    throw new InvalidInputError('must be none, children or subtree', { field: 'recursive' });
  }
  const version = req.version ?? id.version ?? null;
  const path = pathToString(id.path);
  const base: Omit<Scope, 'kind'> = { account: id.uid, path };
  const scopes = [formatScope({ kind: 'doc', ...base })];
  if (recursive !== 'none') scopes.push(formatScope({ kind: recursive, ...base }));
  if (path === '') scopes.push(formatScope({ kind: 'profile', account: id.uid, path: '' }));
  const key = `${id.uid}${path}|v=${version ?? ''}|r=${recursive}`;
  return { key, account: id.uid, path, version, recursive, hot: req.hot ?? true, scopes };
}
