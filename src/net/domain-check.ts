import { setTimeout as sleep } from 'node:timers/promises';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { principalFromAccountId } from '../blob/principal.ts';
import {
  DOMAIN_CHECK_ATTEMPTS,
  DOMAIN_CHECK_RETRY_MS,
  DOMAIN_CHECK_TIMEOUT_MS,
  PEER_MAX_ADDRS,
} from '../constants.ts';
import { InvalidInputError } from '../errors.ts';

/**
 * A web domain's Seed site config, as Seed's daemon checks it: `GET https://<domain>/hm/api/config`
 * answers the site server's `peerId` and `addrs`, and the account the site is registered to.
 *
 * - `success`: the config decoded (every field checked: a peer ID, multiaddrs, an account ID);
 * - `unreachable`: a network error, a timeout or a 5xx on every attempt (retried, a pause between);
 * - `error`: a 4xx or a body that is no site config (not retried).
 */
export type SiteConfig = {
  peerId: string;
  addrs: string[];
  registeredAccountUid: string | null;
  isGateway: boolean;
};

export type DomainCheck =
  | { status: 'success'; config: SiteConfig }
  | { status: 'unreachable' | 'error'; error: string };

export type DomainCheckOptions = {
  /** `https` (Seed's); tests on 127.0.0.1 use `http`, having no certificate to serve. */
  scheme?: 'https' | 'http';
  timeoutMs?: number;
  attempts?: number;
  retryMs?: number;
  signal?: AbortSignal;
};

const DOMAIN =
  /^(?=.{1,253}(:|$))[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*(?::\d{1,5})?$/;

/** A domain as the API takes it: a host name, with a port if any (no scheme, no path). */
export function checkDomainName(value: unknown, field = 'domain'): string {
  if (typeof value !== 'string' || !DOMAIN.test(value)) {
    throw new InvalidInputError(
      `must be a host name such as "example.com" or "example.com:8443" (no scheme, no path), got ${JSON.stringify(String(value).slice(0, 80))}`,
      { field },
    );
  }
  return value;
}

export async function fetchSiteConfig(
  domain: string,
  options: DomainCheckOptions = {},
): Promise<DomainCheck> {
  const url = `${options.scheme ?? 'https'}://${domain}/hm/api/config`;
  const attempts = options.attempts ?? DOMAIN_CHECK_ATTEMPTS;
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    options.signal?.throwIfAborted();
    let res: Response;
    try {
      const timeout = AbortSignal.timeout(options.timeoutMs ?? DOMAIN_CHECK_TIMEOUT_MS);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      res = await fetch(url, { signal, redirect: 'follow' });
    } catch (err) {
      options.signal?.throwIfAborted();
      last = `failed to fetch config: ${(err as Error).cause ?? (err as Error).message}`;
      if (attempt < attempts) await sleep(options.retryMs ?? DOMAIN_CHECK_RETRY_MS);
      continue;
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      last = `config endpoint returned status ${res.status}`;
      if (attempt < attempts) await sleep(options.retryMs ?? DOMAIN_CHECK_RETRY_MS);
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      return { status: 'error', error: `config endpoint returned status ${res.status}` };
    }
    try {
      return { status: 'success', config: parseSiteConfig(await res.json()) };
    } catch (err) {
      return { status: 'error', error: `failed to decode response: ${(err as Error).message}` };
    }
  }
  return { status: 'unreachable', error: `failed after ${attempts} attempts: ${last}` };
}

/** Checks a config body field by field: it came from the network. */
export function parseSiteConfig(body: unknown): SiteConfig {
  if (typeof body !== 'object' || body === null) throw new Error('not a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.peerId !== 'string') throw new Error('peerId: missing');
  try {
    peerIdFromString(b.peerId);
  } catch {
    throw new Error(`peerId: "${b.peerId.slice(0, 80)}" is not a peer ID`);
  }
  if (!Array.isArray(b.addrs) || b.addrs.length > PEER_MAX_ADDRS) {
    throw new Error(`addrs: must be an array of at most ${PEER_MAX_ADDRS} multiaddrs`);
  }
  const addrs = b.addrs.map((a, i) => {
    try {
      return multiaddr(a as string).toString();
    } catch {
      throw new Error(`addrs[${i}]: not a multiaddr`);
    }
  });
  let registeredAccountUid: string | null = null;
  if (b.registeredAccountUid !== undefined && b.registeredAccountUid !== '') {
    if (typeof b.registeredAccountUid !== 'string')
      throw new Error('registeredAccountUid: not a string');
    try {
      principalFromAccountId(b.registeredAccountUid);
    } catch {
      throw new Error(
        `registeredAccountUid: "${b.registeredAccountUid.slice(0, 80)}" is not an account ID`,
      );
    }
    registeredAccountUid = b.registeredAccountUid;
  }
  return { peerId: b.peerId, addrs, registeredAccountUid, isGateway: b.isGateway === true };
}
