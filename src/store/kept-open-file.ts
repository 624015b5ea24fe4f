import { closeSync, fsyncSync, openSync, readSync } from 'node:fs';

/**
 * A read-only descriptor of one of SQLite's files (the database, `-wal`, `-shm`), opened on first
 * use and kept open until `close()`.
 *
 * Why kept open: POSIX drops every `fcntl` lock a process holds on a file as soon as the process
 * closes *any* descriptor of that file. SQLite's locks are such locks: a shared lock on the
 * database, and on `-shm` the WAL's reader marks and the "dead man switch" that tells other
 * processes the wal-index is in use. A helper that opened and closed `-shm` to read it released
 * them all, silently; another process that then opened the database (the `sqlite3` shell, a
 * backup) took the wal-index for abandoned and truncated it under the node, which died of SIGBUS
 * (seen with `seedling backup`; SQLite's "How To Corrupt An SQLite Database File" §2.2 describes
 * the trap). So: one descriptor per file, closed only after every SQLite connection of this
 * process to the database is closed (the store closes the checkpointer last).
 */
export class KeptOpenFile {
  readonly path: string;
  #fd: number | undefined;

  constructor(path: string) {
    this.path = path;
  }

  /** The descriptor, opened now if need be; undefined while the file does not exist. */
  fd(): number | undefined {
    if (this.#fd === undefined) {
      try {
        this.#fd = openSync(this.path, 'r');
      } catch {
        return undefined;
      }
    }
    return this.#fd;
  }

  /** Reads up to `buffer.length` bytes at `position`; the count read (0 when the file is absent). */
  read(buffer: Buffer, position: number): number {
    const fd = this.fd();
    return fd === undefined ? 0 : readSync(fd, buffer, 0, buffer.length, position);
  }

  /** fsync, best effort (false when the file is absent or the call failed). */
  sync(): boolean {
    const fd = this.fd();
    if (fd === undefined) return false;
    try {
      fsyncSync(fd);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    closeSync(fd);
  }
}
