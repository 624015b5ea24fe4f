/**
 * The disk under the write storm: how fast it takes sustained writes, and what it did while a mode
 * ran. A saturating sync storm is disk-bound once its WAL is bounded: every row is written to the
 * WAL and again to the database file by the checkpoint, and both must reach the disk, while the
 * bare insert loop only fills the page cache. These numbers say how close to that ceiling the
 * queued writer runs, so a run below the bar can be told from a slow disk at that moment.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const PROBE_BYTES = 256 * 1024 * 1024;
const PROBE_CHUNK = randomBytes(4 * 1024 * 1024);

/** Bytes per second the disk holding `dir` takes: 256 MiB of random data written, then fdatasync. */
export function diskWriteBytesPerSec(dir: string): number {
  const file = path.join(dir, 'disk-probe.bin');
  const fd = fs.openSync(file, 'w');
  try {
    const start = performance.now();
    for (let written = 0; written < PROBE_BYTES; written += PROBE_CHUNK.length)
      fs.writeSync(fd, PROBE_CHUNK);
    fs.fdatasyncSync(fd);
    return PROBE_BYTES / ((performance.now() - start) / 1000);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

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
