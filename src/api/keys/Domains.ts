import { NotFoundError, StoreError } from '../../errors.ts';
import { checkDomainName } from '../../net/domain-check.ts';
import type { DomainRow } from '../../net/domains-table.ts';
import type { ApiKey } from '../api-key.ts';
import { optionalBoolean } from '../query-params.ts';
import { readIndex } from './read-index.ts';

/** A domain as Seed's clients read it (`HMDomainInfo`). */
type WireDomain = {
  domain: string;
  lastCheck: string | null;
  status: string;
  lastSuccess: string | null;
  registeredAccountUid: string | null;
  peerId: string | null;
  isGateway: boolean;
  lastError: string | null;
};

function wireDomain(row: DomainRow, withLastSuccess = true): WireDomain {
  const config = withLastSuccess || row.status === 'success' ? row.config : null;
  return {
    domain: row.domain,
    lastCheck: iso(row.lastCheck),
    status: row.status,
    lastSuccess: iso(row.lastSuccess),
    registeredAccountUid: config?.registeredAccountUid ?? null,
    peerId: config?.peerId ?? null,
    isGateway: config?.isGateway ?? false,
    lastError: row.lastError,
  };
}

function iso(ms: number): string | null {
  return ms > 0 ? new Date(ms).toISOString() : null;
}

/**
 * `GetDomain`: what the node knows of a web domain's Seed site: the last check of
 * `https://<domain>/hm/api/config`, or, with `forceCheck`, a check made now (and recorded; a
 * failed one answers without the last success's data, as Seed does). Without a record, or with one
 * that names no account, the account whose home document's `siteUrl` is on that host answers as a
 * success; else 404.
 */
export const GetDomainKey: ApiKey<{ domain: string; forceCheck: boolean }, WireDomain> = {
  key: 'GetDomain',
  method: 'GET',
  params: { domain: 'string', forceCheck: 'boolean' },
  toInput: (params) => ({
    domain: checkDomainName(params.domain),
    forceCheck: optionalBoolean(params, 'forceCheck') ?? false,
  }),
  // A forced check goes to the network, and a record changes with every background re-check.
  cacheable: false,
  async run(ctx, { domain, forceCheck }) {
    if (forceCheck) {
      if (!ctx.domains) {
        throw new StoreError('this node does not check web domains', {
          code: 'DOMAINS_UNAVAILABLE',
        });
      }
      return wireDomain(await ctx.domains.check(domain), false);
    }
    const row = await readIndex<DomainRow | null>(ctx, 'GetDomain', 'net.getDomain', { domain });
    if (row?.config?.registeredAccountUid) return wireDomain(row);
    const site = await readIndex<{ account: string } | null>(
      ctx,
      'GetDomain',
      'index.siteAccount',
      {
        domain,
      },
    );
    if (site) {
      return {
        ...(row ? wireDomain(row) : emptyDomain(domain)),
        status: 'success',
        registeredAccountUid: site.account,
      };
    }
    if (row) return wireDomain(row);
    throw new NotFoundError(`domain not found: ${domain}`);
  },
};

function emptyDomain(domain: string): WireDomain {
  return {
    domain,
    lastCheck: null,
    status: 'unknown',
    lastSuccess: null,
    registeredAccountUid: null,
    peerId: null,
    isGateway: false,
    lastError: null,
  };
}

/** `ListDomains`: every domain the node has checked, by name, with its last check. */
export const ListDomainsKey: ApiKey<Record<string, never>, { domains: WireDomain[] }> = {
  key: 'ListDomains',
  method: 'GET',
  params: {},
  toInput: () => ({}),
  cacheable: true,
  // Not rendered in the pool: the pool renders from index reads only, and this is the net's table.
  async run(ctx) {
    const rows = await readIndex<DomainRow[]>(ctx, 'ListDomains', 'net.listDomains', {});
    return { domains: rows.map((r) => wireDomain(r)) };
  },
};
