import type { DatabaseSync } from 'node:sqlite';
import { DOMAIN_TABLE_MAX } from '../constants.ts';
import { InvalidInputError } from '../errors.ts';
import {
  checkDomainName,
  type DomainCheck,
  parseSiteConfig,
  type SiteConfig,
} from './domain-check.ts';

/**
 * The `domains` table: the last check of each web domain (domain-check.ts). A failed check keeps
 * the last success's config and time, as Seed's daemon does: a site that is down for a while is
 * still known by the account and peer it answered last.
 */

export type DomainRow = {
  domain: string;
  /** ms since epoch of the last check. */
  lastCheck: number;
  status: DomainCheck['status'];
  /** ms since epoch of the last success; 0 = never. */
  lastSuccess: number;
  config: SiteConfig | null;
  lastError: string | null;
};

/** `net.putDomainCheck` {domain, at, check} (writer): records one check's outcome. */
export function putDomainCheckOnWriter(db: DatabaseSync, payload: unknown): DomainRow {
  const p = (payload ?? {}) as { domain?: unknown; at?: unknown; check?: unknown };
  const domain = checkDomainName(p.domain);
  if (!Number.isSafeInteger(p.at) || (p.at as number) <= 0) {
    throw new InvalidInputError('must be a time in ms since epoch', { field: 'at' });
  }
  const at = p.at as number;
  const check = checkOutcome(p.check);
  const known = db.prepare('SELECT 1 FROM domains WHERE domain = ?').get(domain) !== undefined;
  if (!known) {
    const { n } = db.prepare('SELECT count(*) AS n FROM domains').get() as { n: number };
    if (n >= DOMAIN_TABLE_MAX) {
      throw new InvalidInputError(`the node keeps at most ${DOMAIN_TABLE_MAX} domains`, {
        field: 'domain',
      });
    }
  }
  if (check.status === 'success') {
    db.prepare(
      `INSERT INTO domains (domain, last_check, last_status, last_success, last_config, last_error)
       VALUES (?, ?, 'success', ?, ?, NULL)
       ON CONFLICT (domain) DO UPDATE SET last_check = excluded.last_check,
         last_status = 'success', last_success = excluded.last_success,
         last_config = excluded.last_config, last_error = NULL`,
    ).run(domain, at, at, JSON.stringify(check.config));
  } else {
    db.prepare(
      `INSERT INTO domains (domain, last_check, last_status, last_error) VALUES (?, ?, ?, ?)
       ON CONFLICT (domain) DO UPDATE SET last_check = excluded.last_check,
         last_status = excluded.last_status, last_error = excluded.last_error`,
    ).run(domain, at, check.status, check.error);
  }
  return loadDomain(db, domain)!;
}

/** `net.getDomain` {domain} → DomainRow | null. */
export function getDomain(db: DatabaseSync, args: unknown): DomainRow | null {
  return loadDomain(db, checkDomainName((args as { domain?: unknown } | null)?.domain));
}

/** `net.listDomains` {} → DomainRow[], by domain. */
export function listDomains(db: DatabaseSync): DomainRow[] {
  const rows = db.prepare('SELECT * FROM domains ORDER BY domain').all() as unknown as DbRow[];
  return rows.map(toDomainRow);
}

type DbRow = {
  domain: string;
  last_check: number;
  last_status: string;
  last_success: number;
  last_config: string | null;
  last_error: string | null;
};

function loadDomain(db: DatabaseSync, domain: string): DomainRow | null {
  const row = db.prepare('SELECT * FROM domains WHERE domain = ?').get(domain) as DbRow | undefined;
  return row ? toDomainRow(row) : null;
}

function toDomainRow(r: DbRow): DomainRow {
  let config: SiteConfig | null = null;
  try {
    config = r.last_config ? parseSiteConfig(JSON.parse(r.last_config)) : null;
  } catch {
    // A row this code did not write: shown without its config rather than failing the listing.
  }
  return {
    domain: r.domain,
    lastCheck: r.last_check,
    status: r.last_status as DomainCheck['status'],
    lastSuccess: r.last_success,
    config,
    lastError: r.last_error,
  };
}

function checkOutcome(value: unknown): DomainCheck {
  const c = (value ?? {}) as { status?: unknown; config?: unknown; error?: unknown };
  if (c.status === 'success') {
    try {
      return { status: 'success', config: parseSiteConfig(c.config) };
    } catch (err) {
      throw new InvalidInputError((err as Error).message, { field: 'check.config' });
    }
  }
  if ((c.status === 'unreachable' || c.status === 'error') && typeof c.error === 'string') {
    return { status: c.status, error: c.error.slice(0, 1_000) };
  }
  throw new InvalidInputError("must be {status: 'success', config} or {status, error}", {
    field: 'check',
  });
}
