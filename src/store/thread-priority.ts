import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the OS priority of the calling thread (not the process) to `nice` (0–19). On Linux,
 * setpriority() given a thread ID applies to that thread alone, and `/proc/thread-self` names the
 * caller's thread ID. Raising a nice value needs no privilege.
 *
 * Answers false where that is not possible (another OS, no /proc): the caller carries on at
 * normal priority, which is correct, only less kind to the app under load.
 */
export function setThreadNice(nice: number): boolean {
  try {
    setPriority(ownThreadId(), nice);
    return true;
  } catch {
    return false;
  }
}

/** The nice value of the calling thread, or null where it cannot be read (tests, diagnostics). */
export function threadNice(): number | null {
  try {
    return getPriority(ownThreadId());
  } catch {
    return null;
  }
}

function ownThreadId(): number {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (!Number.isInteger(tid) || tid <= 0) throw new Error('no thread id');
  return tid;
}

/**
 * Puts the calling thread under SCHED_BATCH (Linux): same share of the CPU as now (same nice
 * value), but waking it never preempts a running thread. The writer is woken by every batch the
 * main thread posts; under a sync storm, with both cores busy, the woken writer used to take the
 * main thread's core on the spot (measured: 84 of 1,107 posts stalled the main thread over 1 ms,
 * 328 ms in all over a 12 s storm; under SCHED_BATCH, 5 posts and 44 ms).
 *
 * Node has no call for sched_setscheduler(), so this runs util-linux's `chrt` on our own thread ID
 * (lowering a policy needs no privilege). Answers false where that is not possible (no `chrt`,
 * another OS): the thread keeps the normal policy, which is correct, only less kind to the app.
 */
export function setThreadSchedBatch(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const out = spawnSync('chrt', ['--batch', '--pid', '0', String(ownThreadId())], {
      stdio: 'ignore',
      timeout: 2_000,
    });
    return out.status === 0;
  } catch {
    return false;
  }
}

/** Scheduling policy of the calling thread: `normal`, `batch`, `idle`, … or null where unknown. */
export function threadSchedPolicy(): string | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; policy is field 41.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const policy = Number(fields[41 - 3]);
    return POLICIES[policy] ?? String(policy);
  } catch {
    return null;
  }
}

const POLICIES: Record<number, string> = { 0: 'normal', 1: 'fifo', 2: 'rr', 3: 'batch', 5: 'idle' };
