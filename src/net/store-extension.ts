import type { DatabaseSync } from 'node:sqlite';
import { PEER_MAX_ADDRS, PEER_TABLE_MAX_PEERS } from '../constants.ts';
import { InvalidInputError } from '../errors.ts';
import type { Migration, ReadHandler, WriteHandler } from '../store/extension.ts';
import { getDomain, listDomains, putDomainCheckOnWriter } from './domains-table.ts';
import type { PeerRecord } from './peer-table.ts';

/**
 * Store extension of the net layer: the persisted peer table. Loaded by URL on the writer and the
 * reader threads (`new URL('../net/store-extension.ts', import.meta.url)`).
 *
 * `net.upsertPeer` runs on the writer inside a `background` job (coalesced by peer id);
 * `net.listPeers` runs in the reader pool at start-up. The web domains checked for Seed site
 * configs live in `domains` (domains-table.ts).
 */

export const migrations: Migration[] = [
  {
    version: 30,
    name: 'net: peers table',
    sql: `CREATE TABLE peers (
      peer_id          TEXT    PRIMARY KEY,
      addrs            TEXT    NOT NULL,            -- JSON array of multiaddr strings
      last_seen        INTEGER NOT NULL,            -- ms since epoch; 0 = never seen
      protocol_version TEXT,
      agent_version    TEXT,
      failures         INTEGER NOT NULL DEFAULT 0,
      backoff_until    INTEGER NOT NULL DEFAULT 0,  -- ms since epoch
      hostile          INTEGER NOT NULL DEFAULT 0,
      bootstrap        INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX peers_by_last_seen ON peers (last_seen);`,
  },
  {
    version: 43,
    name: 'net: web domains',
    sql: `CREATE TABLE domains (
      domain       TEXT    PRIMARY KEY,       -- host[:port], as given
      last_check   INTEGER NOT NULL,          -- ms since epoch
      last_status  TEXT    NOT NULL,          -- success | unreachable | error
      last_success INTEGER NOT NULL DEFAULT 0, -- ms since epoch; 0 = never
      last_config  TEXT,                      -- JSON SiteConfig of the last success
      last_error   TEXT                       -- NULL after a success
    ) STRICT;`,
  },
];

const MAX_TEXT = 256;

/** Checks a payload field by field: it came across a thread boundary and may have been built by anyone. */
export function checkPeerRecord(value: unknown): PeerRecord {
  if (typeof value !== 'object' || value === null)
    throw new InvalidInputError('peer must be an object');
  const v = value as Record<string, unknown>;
  const text = (field: string, nullable: boolean): string | null => {
    const x = v[field];
    if (nullable && (x === null || x === undefined)) return null;
    if (typeof x !== 'string' || x.length === 0 || x.length > MAX_TEXT) {
      throw new InvalidInputError(`must be a string of 1–${MAX_TEXT} chars`, { field });
    }
    return x;
  };
  const int = (field: string): number => {
    const x = v[field];
    if (!Number.isSafeInteger(x) || (x as number) < 0) {
      throw new InvalidInputError('must be a non-negative integer', { field });
    }
    return x as number;
  };
  const addrs = v.addrs;
  if (!Array.isArray(addrs) || addrs.length > PEER_MAX_ADDRS) {
    throw new InvalidInputError(`must be an array of at most ${PEER_MAX_ADDRS}`, {
      field: 'addrs',
    });
  }
  for (const a of addrs) {
    if (typeof a !== 'string' || a.length > MAX_TEXT) {
      throw new InvalidInputError('must hold multiaddr strings', { field: 'addrs' });
    }
  }
  return {
    peerId: text('peerId', false)!,
    addrs: addrs as string[],
    lastSeen: int('lastSeen'),
    protocolVersion: text('protocolVersion', true),
    agentVersion: text('agentVersion', true),
    failures: int('failures'),
    backoffUntil: int('backoffUntil'),
    hostile: int('hostile'),
    bootstrap: v.bootstrap === true,
  };
}

/** Writer thread: insert or replace one peer row. */
function upsertPeerOnWriter(db: DatabaseSync, payload: unknown): void {
  const p = checkPeerRecord(payload);
  db.prepare(
    `INSERT INTO peers (peer_id, addrs, last_seen, protocol_version, agent_version, failures,
                        backoff_until, hostile, bootstrap)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (peer_id) DO UPDATE SET
       addrs = excluded.addrs, last_seen = excluded.last_seen,
       protocol_version = excluded.protocol_version, agent_version = excluded.agent_version,
       failures = excluded.failures, backoff_until = excluded.backoff_until,
       hostile = excluded.hostile, bootstrap = excluded.bootstrap`,
  ).run(
    p.peerId,
    JSON.stringify(p.addrs),
    p.lastSeen,
    p.protocolVersion,
    p.agentVersion,
    p.failures,
    p.backoffUntil,
    p.hostile,
    p.bootstrap ? 1 : 0,
  );
}

type PeerRow = {
  peer_id: string;
  addrs: string;
  last_seen: number;
  protocol_version: string | null;
  agent_version: string | null;
  failures: number;
  backoff_until: number;
  hostile: number;
  bootstrap: number;
};

/** Reader pool: the most recently seen peers (bootstrap peers first), at most `limit`. */
function listPeers(db: DatabaseSync, args: unknown): PeerRecord[] {
  const requested = (args as { limit?: unknown } | undefined)?.limit;
  const limit =
    Number.isSafeInteger(requested) && (requested as number) > 0
      ? Math.min(requested as number, PEER_TABLE_MAX_PEERS)
      : PEER_TABLE_MAX_PEERS;
  const rows = db
    .prepare('SELECT * FROM peers ORDER BY bootstrap DESC, last_seen DESC LIMIT ?')
    .all(limit) as unknown as PeerRow[];
  // Rows are loaded and the statement is finished; decoding happens after the read ended.
  return rows.map(rowToRecord);
}

function rowToRecord(row: PeerRow): PeerRecord {
  let addrs: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.addrs);
    if (Array.isArray(parsed)) addrs = parsed.filter((a): a is string => typeof a === 'string');
  } catch {
    // A corrupt row keeps its other fields; it will be re-learned on the next identify.
  }
  return {
    peerId: row.peer_id,
    addrs,
    lastSeen: row.last_seen,
    protocolVersion: row.protocol_version,
    agentVersion: row.agent_version,
    failures: row.failures,
    backoffUntil: row.backoff_until,
    hostile: row.hostile,
    bootstrap: row.bootstrap === 1,
  };
}

export const writeHandlers: Record<string, WriteHandler> = {
  'net.upsertPeer': (db, payload) => upsertPeerOnWriter(db, payload),
  'net.putDomainCheck': (db, payload) => putDomainCheckOnWriter(db, payload),
};

export const readHandlers: Record<string, ReadHandler> = {
  'net.listPeers': (db, args) => listPeers(db, args),
  'net.getDomain': (db, args) => getDomain(db, args),
  'net.listDomains': (db) => listDomains(db),
};
