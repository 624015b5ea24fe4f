import { MAX_SCOPE_BYTES } from '../constants.ts';
import { InvalidInputError } from '../errors.ts';

/**
 * A scope names a set of blobs two nodes reconcile (DESIGN §5): one document, its direct children,
 * the whole subtree of a path, or an account's profile. On the wire it is a short string:
 *
 *   scope = kind ":" account [path]        kind = "doc" | "children" | "subtree" | "profile"
 *
 * `account` is a `z6Mk…` account ID; `path` is empty (the account's home document) or starts with
 * "/" (no trailing slash, no empty segments). A profile scope has no path.
 */

export const SCOPE_KINDS = ['doc', 'children', 'subtree', 'profile'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];
export type Scope = { kind: ScopeKind; account: string; path: string };

const ACCOUNT_RE = /^z[1-9A-HJ-NP-Za-km-z]{40,60}$/;

export function formatScope(scope: Scope): string {
  return `${scope.kind}:${scope.account}${scope.path}`;
}

/** Parses a scope from a peer or a caller; throws InvalidInputError naming what is wrong. */
export function parseScope(text: string): Scope {
  if (Buffer.byteLength(text) > MAX_SCOPE_BYTES) {
    throw new InvalidInputError(`longer than ${MAX_SCOPE_BYTES} bytes`, { field: 'scope' });
  }
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon) as ScopeKind;
  if (colon < 0 || !SCOPE_KINDS.includes(kind)) {
    throw new InvalidInputError(`must start with one of ${SCOPE_KINDS.join(', ')} and ":"`, {
      field: 'scope',
    });
  }
  const rest = text.slice(colon + 1);
  const slash = rest.indexOf('/');
  const account = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (!ACCOUNT_RE.test(account)) {
    throw new InvalidInputError(`"${account}" is not an account ID (z6Mk…)`, { field: 'scope' });
  }
  if (path !== '' && (kind === 'profile' || path.endsWith('/') || path.includes('//'))) {
    throw new InvalidInputError(`bad path "${path}" for a ${kind} scope`, { field: 'scope' });
  }
  return { kind, account, path };
}
