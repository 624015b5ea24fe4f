import type { DatabaseSync } from 'node:sqlite';
import { INDEX_MAX_WALK_CHANGES } from '../constants.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { authorizerFor } from './authorization.ts';
import { accountArg, argsObject, pathArg, versionArg } from './read-args.ts';
import type { ChangeList, ChangeRow, DocumentChanges } from './read-types.ts';
import { parseJson, stmt } from './statements.ts';

/**
 * Reader: a document's change DAG — `index.listChanges` (metadata of each change) and
 * `index.documentChanges` (their bytes, REPLAY's input). Both load rows and return; no decoding.
 */

type Member = { cid: string; counted: boolean };
type Target = { genesis: string; heads: string[]; version: string; members: Member[] };
type ChangeDbRow = {
  cid: string;
  author: string;
  deps: string;
  depth: number;
  ts: number;
  genesis: string;
  blob_id: number;
};

/** The changes of (account, path) at its current heads, or at `version` when given; null: unknown document. */
function loadTarget(db: DatabaseSync, args: unknown): Target | null {
  const a = argsObject(args);
  const account = accountArg(a.account);
  const path = pathArg(a.path);
  const version = versionArg(a.version);
  const doc = stmt(
    db,
    'SELECT id, genesis, heads, version FROM documents WHERE account = ? AND path = ?',
  ).get(account, path) as
    | { id: number; genesis: string; heads: string; version: string }
    | undefined;
  if (!doc) return null;
  if (version === undefined || version.join('.') === doc.version) {
    const members = stmt(
      db,
      'SELECT change_cid AS cid, counted FROM document_changes WHERE doc_id = ?',
    ).all(doc.id) as { cid: string; counted: number }[];
    return {
      genesis: doc.genesis,
      heads: parseJson<string[]>(doc.heads, []),
      version: doc.version,
      members: members.map((m) => ({ cid: m.cid, counted: m.counted === 1 })),
    };
  }
  return walkVersion(db, account, path, version);
}

/** Walks an explicit (possibly older) version back to its genesis. */
function walkVersion(db: DatabaseSync, account: string, path: string, heads: string[]): Target {
  const get = stmt(db, 'SELECT author, deps, genesis FROM changes WHERE cid = ?');
  const authorized = authorizerFor(db, account, path);
  const seen = new Set<string>(heads);
  const queue = [...heads];
  const members: Member[] = [];
  let genesis = '';
  while (queue.length > 0) {
    const cid = queue.pop()!;
    const row = get.get(cid) as { author: string; deps: string; genesis: string } | undefined;
    if (!row) throw new NotFoundError(`change ${cid} of version ${heads.join('.')} is not indexed`);
    if (members.length >= INDEX_MAX_WALK_CHANGES) {
      throw new InvalidInputError('version has too many changes', { field: 'version' });
    }
    genesis = row.genesis;
    members.push({ cid, counted: authorized(row.author) });
    for (const dep of parseJson<string[]>(row.deps, [])) {
      if (!seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  return { genesis, heads, version: heads.join('.'), members };
}

function loadChanges(db: DatabaseSync, members: Member[]): ChangeDbRow[] {
  const get = stmt(
    db,
    'SELECT cid, author, deps, depth, ts, genesis, blob_id FROM changes WHERE cid = ?',
  );
  const rows: ChangeDbRow[] = [];
  for (const m of members) {
    const row = get.get(m.cid) as ChangeDbRow | undefined;
    if (row) rows.push(row);
  }
  // Replay order (BLOBS.md): depth, then ts, then CID.
  return rows.sort((a, b) => a.depth - b.depth || a.ts - b.ts || (a.cid < b.cid ? -1 : 1));
}

function toChangeRow(r: ChangeDbRow): ChangeRow {
  return {
    cid: r.cid,
    author: r.author,
    deps: parseJson<string[]>(r.deps, []),
    depth: r.depth,
    ts: r.ts,
    genesis: r.genesis,
  };
}

/**
 * `index.listChanges` {account, path, version?} → ChangeList | null: every change reachable from
 * the heads (the whole DAG a client needs to find genesis and heads), counted or not.
 */
export function listChanges(db: DatabaseSync, args: unknown): ChangeList | null {
  const t = loadTarget(db, args);
  if (!t) return null;
  return {
    genesis: t.genesis,
    version: t.version,
    heads: t.heads,
    changes: loadChanges(db, t.members).map(toChangeRow),
  };
}

/**
 * `index.documentChanges` {account, path, version?} → DocumentChanges | null: the counted changes
 * (authors allowed to write the document) with their bytes, in replay order.
 */
export function documentChanges(db: DatabaseSync, args: unknown): DocumentChanges | null {
  const t = loadTarget(db, args);
  if (!t) return null;
  const rows = loadChanges(
    db,
    t.members.filter((m) => m.counted),
  );
  const data = stmt(db, 'SELECT data FROM blobs WHERE id = ?');
  const changes = rows.map((r) => ({
    cid: r.cid,
    data: (data.get(r.blob_id) as { data: Uint8Array }).data,
  }));
  return { genesis: t.genesis, heads: t.heads, version: t.version, changes };
}
