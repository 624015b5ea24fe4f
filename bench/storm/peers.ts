import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Frozen, Latest, PeersReady } from './peers-child.ts';

/** The storm's peer process, seen from the bench: what its peers serve, and how to stop it. */
export type StormPeers = PeersReady & {
  pid: number;
  /** The nice value the peers' process runs at (0 where `nice` could not be applied). */
  nice: number;
  /** CPU seconds (user + system) the peers' process used so far; null where /proc is missing. */
  cpuSeconds(): number | null;
  /** Stops the trickle (if any) and answers every CID the peers serve from then on. */
  freeze(): Promise<Frozen>;
  /** The newest post of the trickle (null before the first). */
  latest(): Promise<Latest>;
  stop(): Promise<void>;
};

const READY_TIMEOUT_MS = 120_000;

/**
 * Spawns bench/storm/peers-child.ts with this Node (type stripping on) and waits for its one
 * JSON line. The child is stopped by its own pid only (SIGTERM, then it exits by itself when
 * its stdin closes if the bench dies first).
 */
export async function startPeers(opts: {
  peers: number;
  docs: number;
  changes: number;
  /** OS nice value for the whole peers process (all its threads): `nice -n` on Linux. */
  nice?: number;
  /** Every this many ms one peer publishes a new post (bench/soak.ts); 0 or absent: static sites. */
  trickleMs?: number;
}): Promise<StormPeers> {
  const script = new URL('./peers-child.ts', import.meta.url).pathname;
  const args = [
    script,
    String(opts.peers),
    String(opts.docs),
    String(opts.changes),
    String(opts.trickleMs ?? 0),
  ];
  // coreutils `nice` execs node in place, so the pid is node's and every thread inherits the value.
  const nice = opts.nice && process.platform === 'linux' ? opts.nice : 0;
  const child =
    nice > 0
      ? spawn('nice', ['-n', String(nice), process.execPath, ...args], {
          stdio: ['pipe', 'pipe', 'inherit'],
        })
      : spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const nextLine = lineReader(child);
  /** Sends a command line (none: just reads), then reads the child's JSON answer. */
  const ask = async <T>(command: string | null, failure: string): Promise<T> => {
    if (command) child.stdin?.write(`${command}\n`);
    const line = await withTimeout(nextLine(), child, failure);
    try {
      return JSON.parse(line) as T;
    } catch (err) {
      throw new Error(`storm peers printed a bad line: ${line.slice(0, 200)}`, { cause: err });
    }
  };
  const ready = await ask<PeersReady>(null, 'storm peers did not start in time');
  return {
    ...ready,
    nice,
    pid: child.pid ?? -1,
    cpuSeconds: () => processCpuSeconds(child.pid),
    freeze: () => ask<Frozen>('freeze', 'storm peers did not freeze'),
    latest: () => ask<Latest>('latest', 'storm peers did not answer'),
    stop: () => stopChild(child),
  };
}

function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // /proc/<pid>/stat: fields after the ")" — utime and stime are the 12th and 13th, in ticks.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** USER_HZ: 100 on every Linux this bench runs on. */
const CLOCK_TICKS = 100;

/** The child's stdout, one line per call (lines that arrive before they are asked for wait). */
function lineReader(child: ChildProcess): () => Promise<string> {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else lines.push(line);
  });
  return () => {
    const line = lines.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((r) => waiting.push(r));
  };
}

/** `line`, unless the child exits or READY_TIMEOUT_MS passes first (then the child is stopped). */
function withTimeout(line: Promise<string>, child: ChildProcess, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(message));
    }, READY_TIMEOUT_MS);
    const exited = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`storm peers exited early (code ${code})`));
    };
    child.once('exit', exited);
    line.then((text) => {
      clearTimeout(timer);
      child.off('exit', exited);
      resolve(text);
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.stdin?.end();
    child.kill('SIGTERM');
  });
}
