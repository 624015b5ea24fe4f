/**
 * The disk under the write storm: what the block device wrote while a mode ran. A saturating sync
 * storm is disk-bound once its WAL is bounded: every row is written to the WAL and again to the
 * database file by the checkpoint, and both must reach the disk, while the bare insert loop only
 * fills the page cache. (A write-and-fdatasync probe was tried as a ceiling and dropped: on this
 * VM 256 MiB went at 0.55–1.6 GB/s from run to run, 1 GiB at 0.33–0.54 GB/s.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export type DeviceCounters = { writtenBytes: number; busyMs: number; at: number };

/**
 * The block device's counters (`/sys/dev/block/M:m/stat`: sectors written, ms with I/O in
 * flight) for the filesystem holding `dir`; undefined where Linux does not expose them.
 */
export function deviceCounters(dir: string): DeviceCounters | undefined {
  const dev = fs.statSync(dir).dev;
  // Linux's encoding of dev_t for the small numbers block devices use.
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = dev & 0xff;
  try {
    const fields = fs
      .readFileSync(`/sys/dev/block/${major}:${minor}/stat`, 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    const sectorsWritten = fields[6];
    const busyMs = fields[9];
    if (sectorsWritten === undefined || busyMs === undefined) return undefined;
    return { writtenBytes: sectorsWritten * 512, busyMs, at: performance.now() };
  } catch {
    return undefined;
  }
}

export type DeviceUse = { writeBytesPerSec: number; busyShare: number };

/** What the device did between two readings (whole device: other processes count too). */
export function deviceUse(
  before: DeviceCounters | undefined,
  after: DeviceCounters | undefined,
): DeviceUse | undefined {
  if (!before || !after || after.at <= before.at) return undefined;
  const seconds = (after.at - before.at) / 1000;
  return {
    writeBytesPerSec: (after.writtenBytes - before.writtenBytes) / seconds,
    busyShare: (after.busyMs - before.busyMs) / (after.at - before.at),
  };
}

/**
 * Flushes every dirty page the OS holds (`sync`) and answers how long that took, or undefined where
 * there is no `sync` command. Each phase of the bench starts from a quiet disk, so no write-back
 * of what ran before (the previous mode's 4 GiB WAL, an earlier bench) shares the disk with the
 * phase measured; the time it took says whether anything was left (on this VM: 4–12 ms, nothing).
 */
export function settleDisk(): number | undefined {
  const start = performance.now();
  const out = spawnSync('sync', [], { stdio: 'ignore', timeout: 120_000 });
  return out.status === 0 ? Math.round(performance.now() - start) : undefined;
}
