import { Counter, Histogram, type Registry } from 'prom-client';
import { DOMAIN_RECHECK_FIRST_MS, DOMAIN_RECHECK_MS } from '../constants.ts';
import type { Store } from '../store/store.ts';
import type { WriteClass } from '../types.ts';
import {
  checkDomainName,
  type DomainCheckOptions,
  fetchSiteConfig,
  type SiteConfig,
} from './domain-check.ts';
import type { DomainRow } from './domains-table.ts';

/** The store as the checker uses it. */
export type DomainStore = Pick<Store, 'write' | 'read'>;

export type DomainCheckerInit = DomainCheckOptions & {
  /** Also check the sites live home documents name (`siteUrl`) that were never checked (default true). */
  siteHosts?: boolean;
  /** First background re-check of every known domain after start (ms); 0 = no background loop. */
  recheckFirstMs?: number;
  recheckMs?: number;
};

/**
 * Checks web domains for Seed site configs (domain-check.ts) and records every outcome
 * (`net.putDomainCheck`): on request (`check`, one check per domain at a time, shared by its
 * callers), and in the background every `recheckMs`, one at a time, for every known domain and
 * every site a live home document names (`siteUrl`) that was never checked.
 * A success is reported to `onSite` (the site server of the account it names: sync asks it first).
 */
export class DomainChecker {
  readonly #store: DomainStore;
  readonly #init: DomainCheckerInit;
  readonly #onSite: (account: string, config: SiteConfig) => void;
  readonly #inFlight = new Map<string, Promise<DomainRow>>();
  readonly #checks: Counter<'status'>;
  readonly #seconds: Histogram;
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    deps: {
      store: DomainStore;
      registry: Registry;
      onSite?: (account: string, config: SiteConfig) => void;
    },
    init: DomainCheckerInit = {},
  ) {
    this.#store = deps.store;
    this.#init = init;
    this.#onSite = deps.onSite ?? (() => {});
    this.#checks = new Counter({
      name: 'seedling_domain_checks_total',
      help: 'web domain checks (GET https://<domain>/hm/api/config), by outcome',
      labelNames: ['status'],
      registers: [deps.registry],
    });
    this.#seconds = new Histogram({
      name: 'seedling_domain_check_seconds',
      help: 'time of one web domain check, retries included',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [deps.registry],
    });
  }

  /** Checks `domain` now and records the outcome; a check already running is joined. */
  check(domain: string, cls: WriteClass = 'interactive'): Promise<DomainRow> {
    let running = this.#inFlight.get(domain);
    if (!running) {
      running = this.#run(domain, cls).finally(() => this.#inFlight.delete(domain));
      this.#inFlight.set(domain, running);
    }
    return running;
  }

  /** Starts the background re-check loop, and tells `onSite` what the table already knows. */
  async start(): Promise<void> {
    for (const row of await this.#list()) {
      if (row.config?.registeredAccountUid)
        this.#onSite(row.config.registeredAccountUid, row.config);
    }
    const first = this.#init.recheckFirstMs ?? DOMAIN_RECHECK_FIRST_MS;
    if (first <= 0) return;
    const loop = async () => {
      for (const domain of await this.#toCheck().catch(() => [])) {
        if (this.#stop.signal.aborted) return;
        await this.check(domain, 'background').catch(() => {});
      }
      if (!this.#stop.signal.aborted) {
        this.#timer = setTimeout(loop, this.#init.recheckMs ?? DOMAIN_RECHECK_MS);
        this.#timer.unref();
      }
    };
    this.#timer = setTimeout(loop, first);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    clearTimeout(this.#timer);
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  async #run(domain: string, cls: WriteClass): Promise<DomainRow> {
    const stop = this.#seconds.startTimer();
    const check = await fetchSiteConfig(domain, { ...this.#init, signal: this.#stop.signal });
    stop();
    this.#checks.inc({ status: check.status });
    const row = await this.#store.write<DomainRow>({
      op: 'net.domainCheck',
      class: cls,
      handler: 'net.putDomainCheck',
      payload: { domain, at: Date.now(), check },
      ...(cls === 'background' ? { key: domain } : {}),
    });
    if (check.status === 'success' && check.config.registeredAccountUid) {
      this.#onSite(check.config.registeredAccountUid, check.config);
    }
    // A background write coalesced away answers undefined: the row is read back then.
    return (
      row ??
      (await this.#store.read<DomainRow>({
        op: 'net.domainCheck',
        handler: 'net.getDomain',
        args: { domain },
      }))
    );
  }

  /** The known domains, and the sites home documents name that were never checked (as Seed does). */
  async #toCheck(): Promise<string[]> {
    const known = new Set((await this.#list()).map((r) => r.domain));
    const named = this.#init.siteHosts === false ? [] : await this.#siteHosts();
    return [...new Set([...known, ...named])];
  }

  async #siteHosts(): Promise<string[]> {
    const hosts = await this.#store
      .read<{ host: string }[]>({ op: 'net.domains', handler: 'index.siteHosts', args: {} })
      .catch(() => []); // a store without the index (tests of the net layer alone)
    return hosts.map((h) => h.host).filter((h) => isDomainName(h));
  }

  #list(): Promise<DomainRow[]> {
    return this.#store.read<DomainRow[]>({
      op: 'net.domains',
      handler: 'net.listDomains',
      args: {},
    });
  }
}

function isDomainName(host: string): boolean {
  try {
    checkDomainName(host);
    return true;
  } catch {
    return false;
  }
}
