import { readlinkSync } from 'node:fs';
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
