import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/cli/command.ts';
import { parseHostPort, parseStartArgs } from '../../src/cli/commands/start.ts';
import { API_DEFAULT_PORT } from '../../src/constants.ts';
import { SeedlingError } from '../../src/errors.ts';
import { startNode } from '../../src/node.ts';

describe('seedling start arguments', () => {
  it('has loopback defaults', () => {
    const o = parseStartArgs([]);
    assert.equal(o.host, '127.0.0.1');
    assert.equal(o.port, API_DEFAULT_PORT);
    assert.match(o.dataDir, /\.seedling$/);
    assert.deepEqual(o.p2p, { listen: [], announce: [], bootstrap: [] });
    assert.deepEqual(o.gateways, []);
  });

  it('reads repeated multiaddrs and --no-p2p', () => {
    const o = parseStartArgs([
      '--data',
      '/tmp/x',
      '--http',
      ':8080',
      '--p2p',
      '/ip4/0.0.0.0/tcp/4001',
      '--p2p',
      '/ip4/0.0.0.0/tcp/4002',
      '--bootstrap',
      '/ip4/1.2.3.4/tcp/1/p2p/QmX',
    ]);
    assert.equal(o.dataDir, '/tmp/x');
    assert.equal(o.port, 8080);
    assert.deepEqual(o.p2p ? o.p2p.listen : null, [
      '/ip4/0.0.0.0/tcp/4001',
      '/ip4/0.0.0.0/tcp/4002',
    ]);
    assert.equal(parseStartArgs(['--no-p2p']).p2p, false);
  });

  it('reads site servers per space', () => {
    const o = parseStartArgs(['--site', 'z6MkAccount=/ip4/127.0.0.1/tcp/1/p2p/QmX']);
    assert.deepEqual(o.sites, { z6MkAccount: '/ip4/127.0.0.1/tcp/1/p2p/QmX' });
    assert.throws(() => parseStartArgs(['--site', 'z6MkAccount']), UsageError);
    assert.throws(() => parseStartArgs(['--site', 'a=/ip4/1.2.3.4/tcp/1']), /p2p/);
  });

  it('reads the sync download cap in KiB/s, 0 by default', () => {
    assert.equal(parseStartArgs([]).syncMaxBytesPerSec, 0);
    assert.equal(parseStartArgs(['--sync-max-kib', '512']).syncMaxBytesPerSec, 512 * 1024);
    for (const bad of ['-1', '1.5', 'fast', '']) {
      assert.throws(() => parseStartArgs([`--sync-max-kib=${bad}`]), /--sync-max-kib must be/);
    }
    assert.throws(
      () => parseStartArgs(['--no-p2p', '--sync-max-kib', '64']),
      /--sync-max-kib needs p2p/,
    );
  });

  it('refuses bad input with a usage error', () => {
    assert.throws(() => parseStartArgs(['--nope']), UsageError);
    assert.throws(
      () => parseStartArgs(['--no-p2p', '--gateway', '/ip4/1.2.3.4/tcp/1']),
      UsageError,
    );
    assert.throws(() => parseHostPort('localhost'), UsageError);
    assert.throws(() => parseHostPort('h:99999'), UsageError);
    assert.deepEqual(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
  });
});

describe('startNode', () => {
  it('runs store, API and libp2p together and closes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedling-node-'));
    try {
      const node = await startNode({
        dataDir: dir,
        http: { port: 0 },
        p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
        store: { readerThreads: 1 },
      });
      assert.ok(node.net, 'libp2p is on');
      assert.ok(node.net.multiaddrs().length > 0);
      const res = await fetch(`${node.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /seedling_api_request_duration_seconds/);
      await node.close();
      await assert.rejects(fetch(`${node.url}/metrics`));
      assert.ok(existsSync(join(dir, 'peer-key')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Spawns `seedling start` on `dir` (no p2p, any free port); `closed`: its exit code once its output ended. */
function spawnStart(dir: string, http = '127.0.0.1:0') {
  const child = spawn(
    process.execPath,
    ['src/cli/main.ts', 'start', '--data', dir, '--http', http, '--no-p2p'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return Object.assign(child, { closed });
}

/** The API URL a started child prints. */
function listenUrl(child: ReturnType<typeof spawnStart>): Promise<string> {
  let out = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line: ${out}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /HTTP API on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', () => reject(new Error(`exited early: ${out}`)));
  });
}

/** The child's exit code, after its stdout and stderr ended (so every line it wrote was read). */
function exitCode(
  child: ReturnType<typeof spawnStart>,
  signal?: NodeJS.Signals,
): Promise<number | null> {
  if (signal) child.kill(signal);
  return child.closed;
}

describe('startNode on a bad data directory', () => {
  it('says a file is in the way, for the directory and for a path below a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedling-node-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    try {
      for (const dataDir of [file, join(file, 'below')]) {
        await assert.rejects(
          startNode({ dataDir, http: { port: 0 }, p2p: false }),
          (err: unknown) =>
            err instanceof SeedlingError &&
            err.code === 'DATA_DIR_UNUSABLE' &&
            err.message ===
              `cannot use ${dataDir} as the data directory: a file is in the way (it must be a directory)`,
        );
      }
      assert.equal(readFileSync(file, 'utf8'), 'not a directory');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails at once where a parent exists but cannot hold a directory, and makes missing levels', {
    timeout: 20_000,
  }, async () => {
    // Node's recursive mkdir spins forever on such a path (/proc on Linux); ours must not.
    if (existsSync('/proc/self')) {
      await assert.rejects(
        startNode({ dataDir: '/proc/seedling-data', http: { port: 0 }, p2p: false }),
        (err: unknown) =>
          err instanceof SeedlingError &&
          err.code === 'DATA_DIR_UNUSABLE' &&
          /ENOENT/.test(err.message),
      );
    }
    const dir = mkdtempSync(join(tmpdir(), 'seedling-node-'));
    try {
      const nested = join(dir, 'a', 'b', 'data');
      const node = await startNode({ dataDir: nested, http: { port: 0 }, p2p: false });
      await node.close();
      assert.ok(existsSync(join(nested, 'seedling.db')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('seedling start (process)', () => {
  it('logs where it listens and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedling-start-'));
    const child = spawnStart(dir);
    try {
      const url = await listenUrl(child);
      const res = await fetch(`${url}/api/ListEvents`);
      assert.equal(res.status, 200);
      assert.equal(await exitCode(child, 'SIGTERM'), 0);
      assert.ok(existsSync(join(dir, 'seedling.db')));
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a data directory another node runs on, and leaves that node serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedling-start-'));
    const first = spawnStart(dir);
    let second: ReturnType<typeof spawnStart> | undefined;
    try {
      const url = await listenUrl(first);
      second = spawnStart(dir);
      let stderr = '';
      second.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      assert.equal(await exitCode(second), 1);
      assert.match(stderr, /STORE_IN_USE/);
      assert.match(stderr, new RegExp(`in use by another Seedling node \\(pid ${first.pid}`));
      assert.equal((await fetch(`${url}/api/ListEvents`)).status, 200);
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the --http flag when its port is taken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedling-start-'));
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const { port } = taken.address() as AddressInfo;
    const child = spawnStart(dir, `127.0.0.1:${port}`);
    try {
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      assert.equal(await exitCode(child), 1);
      assert.match(stderr, /\[HTTP_ADDRESS_IN_USE\] 127\.0\.0\.1:\d+ is already in use/);
      assert.match(stderr, /give another --http HOST:PORT/);
    } finally {
      child.kill('SIGKILL');
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
