import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { API_DEFAULT_HOST, API_DEFAULT_PORT, NODE_DEFAULT_DATA_DIR } from '../../constants.ts';
import { SeedlingError } from '../../errors.ts';
import { type Command, UsageError } from '../command.ts';

const usage = `Usage: seedling start [options]

Runs a Seedling node: the store in DIR, the Seed HTTP API and the libp2p sync node.
Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.

Options:
  --data DIR             data directory (default ${NODE_DEFAULT_DATA_DIR})
  --http HOST:PORT       HTTP API address (default ${API_DEFAULT_HOST}:${API_DEFAULT_PORT}; port 0 = any)
  --p2p MULTIADDR        libp2p listen address, repeatable (default /ip4/127.0.0.1/tcp/0)
  --announce MULTIADDR   address announced to peers instead of the listen ones, repeatable
  --bootstrap MULTIADDR  peer to dial at start (…/p2p/<peer id>), repeatable
  --gateway MULTIADDR    gateway asked first by every discovery (…/p2p/<peer id>), repeatable
  --site ACCOUNT=MULTIADDR  the site server of a space: asked first for that account, repeatable
  --sync-max-kib N       cap what sync pulls download at N KiB/s, all pulls together
                         (default 0: no cap)
  --no-p2p               run without networking
`;

export type StartOptions = {
  dataDir: string;
  host: string;
  port: number;
  p2p: { listen: string[]; announce: string[]; bootstrap: string[] } | false;
  gateways: string[];
  /** Site server per space: account ID → multiaddr. */
  sites: Record<string, string>;
  /** Download cap of sync pulls in bytes/s; 0 = none. */
  syncMaxBytesPerSec: number;
};

/** Parses `seedling start` arguments; UsageError on anything wrong. */
export function parseStartArgs(args: string[]): StartOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const { host, port } = parseHostPort(v.http ?? `${API_DEFAULT_HOST}:${API_DEFAULT_PORT}`);
  const p2p = v['no-p2p']
    ? false
    : { listen: v.p2p ?? [], announce: v.announce ?? [], bootstrap: v.bootstrap ?? [] };
  const gateways = v.gateway ?? [];
  const sites: Record<string, string> = {};
  for (const item of v.site ?? []) {
    const at = item.indexOf('=');
    if (at <= 0 || !item.slice(at + 1).includes('/p2p/')) {
      throw new UsageError(`--site must be ACCOUNT=MULTIADDR with /p2p/<peer id>, got "${item}"`);
    }
    sites[item.slice(0, at)] = item.slice(at + 1);
  }
  if (!p2p && (gateways.length > 0 || Object.keys(sites).length > 0)) {
    throw new UsageError('--gateway and --site need p2p (drop --no-p2p)');
  }
  const syncMaxBytesPerSec = parseKiB(v['sync-max-kib'] ?? '0') * 1024;
  if (!p2p && syncMaxBytesPerSec > 0)
    throw new UsageError('--sync-max-kib needs p2p (drop --no-p2p)');
  return {
    dataDir: resolve(v.data ?? NODE_DEFAULT_DATA_DIR),
    host,
    port,
    p2p,
    gateways,
    sites,
    syncMaxBytesPerSec,
  };
}

function parseKiB(text: string): number {
  if (!/^\d{1,9}$/.test(text)) {
    throw new UsageError(
      `--sync-max-kib must be a whole number of KiB/s (0: no cap), got "${text}"`,
    );
  }
  return Number(text);
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      data: { type: 'string' },
      http: { type: 'string' },
      p2p: { type: 'string', multiple: true },
      announce: { type: 'string', multiple: true },
      bootstrap: { type: 'string', multiple: true },
      gateway: { type: 'string', multiple: true },
      site: { type: 'string', multiple: true },
      'sync-max-kib': { type: 'string' },
      'no-p2p': { type: 'boolean' },
    },
  });
}

/** `HOST:PORT`, `[::1]:PORT` or `:PORT` (host defaults to loopback). */
export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new UsageError(`--http must be HOST:PORT, got "${text}"`);
  return { host: m[1] ?? (m[2] || API_DEFAULT_HOST), port };
}

async function run(args: string[]): Promise<number> {
  const options = parseStartArgs(args);
  const log = (msg: string, extra?: object) =>
    process.stderr.write(`${msg}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`);
  // Loaded here, not at the top: `seedling --help` loads every command and must stay light.
  const { startNode } = await import('../../node.ts');
  const node = await startNode({
    dataDir: options.dataDir,
    http: { host: options.host, port: options.port },
    p2p: options.p2p,
    sync: {
      gateways: options.gateways,
      sites: options.sites,
      engine: { maxBytesPerSec: options.syncMaxBytesPerSec },
    },
    log,
  }).catch((err: unknown) => {
    // The default port is fixed, so a second node (another --data) meets the first one's port.
    if ((err as { code?: unknown }).code === 'EADDRINUSE') {
      throw new SeedlingError(
        'HTTP_ADDRESS_IN_USE',
        `${options.host}:${options.port} is already in use by another program; give another --http HOST:PORT (port 0 picks a free one)`,
        { cause: err },
      );
    }
    throw err;
  });
  process.stdout.write(`seedling: data in ${options.dataDir}\n`);
  process.stdout.write(`seedling: HTTP API on ${node.url} (metrics ${node.url}/metrics)\n`);
  for (const addr of node.net?.multiaddrs() ?? []) {
    process.stdout.write(`seedling: p2p listening on ${addr.toString()}\n`);
  }
  await waitForSignal();
  process.stdout.write('seedling: shutting down\n');
  await node.close();
  return 0;
}

function waitForSignal(): Promise<void> {
  return new Promise((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export const startCommand: Command = {
  words: ['start'],
  summary: 'run a node: store, Seed HTTP API and libp2p sync',
  usage,
  run,
};
