import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import type { Registry } from 'prom-client';
import { type ApiServer, apiStoreExtension, createApiServer } from './api/server.ts';
import { registerKeyCacheMetrics } from './blob/principal.ts';
import { API_DEFAULT_HOST, API_DEFAULT_PORT, NODE_DATABASE_FILE } from './constants.ts';
import { SeedlingError } from './errors.ts';
import { registerIndexMetrics } from './index/index-metrics.ts';
import { makeDirectory } from './make-directory.ts';
import type { SiteConfig } from './net/domain-check.ts';
import { DomainChecker, type DomainCheckerInit } from './net/domain-checker.ts';
import { netStoreExtension } from './net/index.ts';
import { createSeedlingNode, type SeedlingNode } from './net/node.ts';
import type { SyncProtocolInit } from './net/protocol/sync-protocol.ts';
import { EventLoopLag } from './obs/event-loop-lag.ts';
import { createRegistry } from './obs/metrics.ts';
import { OperationTracker } from './obs/operation-tracker.ts';
import { openStore, type Store } from './store/store.ts';
import { createSync, type Sync, type SyncInit } from './sync/create-sync.ts';

/**
 * Store extensions every node loads (blob verify, index, replay, net, sync, the API's
 * `api.render`). The list does not depend on whether networking is on, so one database always
 * carries the same migrations.
 */
export const NODE_EXTENSIONS: URL[] = [
  new URL('./blob/store-extension.ts', import.meta.url),
  new URL('./index/store-extension.ts', import.meta.url),
  new URL('./index/replay/store-extension.ts', import.meta.url),
  netStoreExtension,
  new URL('./sync/store-extension.ts', import.meta.url),
  apiStoreExtension,
];

type Log = (msg: string, extra?: object) => void;

export type NodeInit = {
  /** Directory for the database and the libp2p key; created if missing. */
  dataDir: string;
  http?: { host?: string; port?: number };
  /** libp2p settings; `false` (or absent) runs without networking: no sync, no discovery. */
  p2p?:
    | {
        listen?: string[];
        announce?: string[];
        bootstrap?: string[];
        /** Sync protocol limits and timeouts (defaults in constants.ts). */
        protocol?: SyncProtocolInit;
      }
    | false;
  /** Sync and discovery settings (gateways, site servers...), used when p2p is on. */
  sync?: SyncInit;
  /** Passed through to openStore (readerThreads, queue bounds, mode...). */
  store?: Omit<Parameters<typeof openStore>[1], 'path' | 'extensions'>;
  /** Web domain checks (`GetDomain`): scheme, timeouts, the background re-check period. */
  domains?: DomainCheckerInit;
  log?: Log;
};

export type SeedlingNodeHandle = {
  /** Base URL of the HTTP API. */
  url: string;
  store: Store;
  registry: Registry;
  /** Slowest recent database operations (DESIGN §6). */
  tracker: OperationTracker;
  /** Main-thread event-loop lag, sampled from start to close. */
  loopLag: EventLoopLag;
  api: ApiServer;
  domains: DomainChecker;
  /** The libp2p node and the sync engine with discovery, when networking is on. */
  net: SeedlingNode | null;
  sync: Sync | null;
  close(): Promise<void>;
};

/**
 * Starts a whole node: store (writer, reader pool, checkpointer) with every extension, the libp2p
 * node with sync and discovery, then the HTTP API (last, so it never answers before the parts it
 * uses exist). Whatever started is stopped again if a later part fails; `close()` stops everything
 * in reverse order (API first, so no new work arrives while the rest drains).
 */
export async function startNode(init: NodeInit): Promise<SeedlingNodeHandle> {
  const log = init.log ?? (() => {});
  const registry = createRegistry();
  const tracker = new OperationTracker({ registry });
  const loopLag = new EventLoopLag({ registry });
  makeDataDir(init.dataDir);
  const store = await openStore(
    { registry, tracker, log },
    { ...init.store, path: join(init.dataDir, NODE_DATABASE_FILE), extensions: NODE_EXTENSIONS },
  );
  loopLag.start();
  registerKeyCacheMetrics(registry);
  registerIndexMetrics(registry, () =>
    // The bulk lane: a metrics scrape is not the app using the node (reader-pool.ts, invariant 4).
    store.read({ op: 'metrics.index', handler: 'index.stats', args: {}, lane: 'bulk' }),
  );
  const stack: Array<() => Promise<void>> = [async () => loopLag.stop(), () => store.close()];
  const closeAll = async () => {
    for (const stop of stack.reverse().splice(0)) {
      await stop().catch((err) => log('node: close step failed', { err: String(err) }));
    }
  };
  try {
    const net = init.p2p ? await startNet(init, store, registry, log) : null;
    if (net) stack.push(() => net.stop());
    const sync = net ? startSync(init, store, net, registry, log) : null;
    if (sync) stack.push(() => sync.close());
    // A checked domain that names an account makes its site server that space's authority.
    const domains = new DomainChecker(
      {
        store,
        registry,
        onSite: (account, site) => {
          const addr = siteAddr(site);
          if (sync && addr) sync.learnSite(account, addr);
        },
      },
      init.domains,
    );
    await domains.start();
    stack.push(() => domains.stop());
    const api = await createApiServer(
      {
        store,
        registry,
        log,
        tracker,
        discovery: sync?.discovery,
        domains,
        ...(sync
          ? {
              announce: (accounts: Iterable<string>, cids: string[]) =>
                sync.announce(
                  accounts,
                  cids.map((c) => CID.parse(c)),
                ),
            }
          : {}),
        onAppActivity: () => store.noteAppActivity(),
      },
      { host: init.http?.host ?? API_DEFAULT_HOST, port: init.http?.port ?? API_DEFAULT_PORT },
    );
    stack.push(() => api.close());
    return {
      url: api.url,
      store,
      registry,
      tracker,
      loopLag,
      api,
      net,
      sync,
      domains,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Creates the data directory; a file in the way, or no permission, is said in words. */
function makeDataDir(dir: string): void {
  try {
    makeDirectory(dir);
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'a file is in the way (it must be a directory)'
        : (cause as Error).message;
    throw new SeedlingError(
      'DATA_DIR_UNUSABLE',
      `cannot use ${dir} as the data directory: ${why}`,
      {
        cause,
      },
    );
  }
}

async function startNet(
  init: NodeInit,
  store: Store,
  registry: Registry,
  log: Log,
): Promise<SeedlingNode> {
  const p2p = init.p2p || {};
  return createSeedlingNode(
    { registry, store, log: (fmt, ...args) => log(`net: ${fmt}`, { args }) },
    {
      dataDir: init.dataDir,
      ...(p2p.listen?.length ? { listen: p2p.listen } : {}),
      ...(p2p.announce?.length ? { announce: p2p.announce } : {}),
      ...(p2p.bootstrap?.length ? { bootstrap: p2p.bootstrap } : {}),
      ...(p2p.protocol ? { protocol: p2p.protocol } : {}),
    },
  );
}

function startSync(
  init: NodeInit,
  store: Store,
  net: SeedlingNode,
  registry: Registry,
  log: Log,
): Sync {
  return createSync(
    { store, net, registry, log: (msg, err) => log(`sync: ${msg}`, { err: String(err) }) },
    init.sync ?? {},
  );
}

/** A site config's first address as a dialable multiaddr (with `/p2p/<peer id>`), or null. */
function siteAddr(site: SiteConfig): string | null {
  const first = site.addrs[0];
  if (!first) return null;
  return first.includes('/p2p/') ? first : `${first}/p2p/${site.peerId}`;
}
