import type { DatabaseSync } from 'node:sqlite';
import { pathCovers, stmt } from './statements.ts';

/**
 * Who may write where (BLOBS.md, Capability): the owner of a space may write anywhere in it; any
 * other key needs a WRITER or AGENT grant covering the path, issued by the owner or by a key that
 * itself holds such a grant over the grant's path (a chain). Chains are followed at most
 * MAX_CHAIN_DEPTH links deep, so a cycle of grants cannot loop.
 */

export const WRITE_ROLES = ['WRITER', 'AGENT'];
const MAX_CHAIN_DEPTH = 8;

type Grant = { issuer: string; path: string };

/** Whether `signer` may write `path` in `account`'s space, given the capabilities indexed so far. */
export function isAuthorized(
  db: DatabaseSync,
  account: string,
  path: string,
  signer: string,
  depth = 0,
): boolean {
  if (signer === account) return true;
  if (depth >= MAX_CHAIN_DEPTH) return false;
  const grants = stmt(
    db,
    `SELECT issuer, path FROM capabilities
     WHERE account = ? AND delegate = ? AND role IN ('WRITER', 'AGENT')`,
  ).all(account, signer) as Grant[];
  for (const g of grants) {
    if (!pathCovers(g.path, path) || g.issuer === signer) continue;
    if (isAuthorized(db, account, g.path, g.issuer, depth + 1)) return true;
  }
  return false;
}

/** Memoizes isAuthorized per signer for one document (one walk over its changes). */
export function authorizerFor(
  db: DatabaseSync,
  account: string,
  path: string,
): (signer: string) => boolean {
  const known = new Map<string, boolean>();
  return (signer) => {
    let ok = known.get(signer);
    if (ok === undefined) {
      ok = isAuthorized(db, account, path, signer);
      known.set(signer, ok);
    }
    return ok;
  };
}
