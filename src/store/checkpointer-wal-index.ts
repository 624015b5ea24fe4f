import { KeptOpenFile } from './kept-open-file.ts';

/**
 * The live state of a WAL, read from the wal-index header in `<db>-shm` (SQLite's documented
 * "WAL-index format": two copies of a 48-byte header, then the checkpoint info). Reading 100
 * bytes takes no lock and costs microseconds, so the checkpointer and the metrics can see how far
 * the writer is ahead right now — a PASSIVE's own result only says how far the WAL was when it
 * started, which under a storm is already a second old.
 */
export type WalIndexState = {
  /** Transactions committed since the wal-index was built (moves on every commit). */
  change: number;
  /** Frames of the WAL in use (reset to 0 when the writer restarts the log). */
  mxFrame: number;
  /** Frames of those already copied into the database. */
  nBackfill: number;
  pageSize: number;
};

const HEADER_BYTES = 100;

/**
 * Reads one database's wal-index header through a descriptor of `-shm` kept open
 * (kept-open-file.ts says why closing it would drop SQLite's locks): `close()` only once every
 * connection of this process to the database is closed.
 */
export class WalIndexReader {
  readonly #shm: KeptOpenFile;
  readonly #buffer = Buffer.alloc(HEADER_BYTES);

  constructor(dbPath: string) {
    this.#shm = new KeptOpenFile(`${dbPath}-shm`);
  }

  /**
   * The header now; `undefined` when there is no `-shm` file, it is not initialised, or the two
   * header copies disagree (a writer is updating it at this instant: ask again later).
   */
  read(): WalIndexState | undefined {
    const buffer = this.#buffer;
    if (this.#shm.read(buffer, 0) < HEADER_BYTES) return undefined;
    // Both copies of the header must match (SQLite writes copy 2 then copy 1).
    if (buffer.compare(buffer, 0, 48, 48, 96) !== 0) return undefined;
    if (buffer[12] !== 1) return undefined; // isInit
    // Native byte order; every platform Node supports here is little-endian.
    const szPage = buffer.readUInt16LE(14);
    return {
      change: buffer.readUInt32LE(8),
      mxFrame: buffer.readUInt32LE(16),
      nBackfill: buffer.readUInt32LE(96),
      pageSize: szPage === 1 ? 65_536 : szPage,
    };
  }

  /** Bytes of WAL not yet copied into the database, now (0 when unknown). */
  backlogBytes(): number {
    const s = this.read();
    return s ? Math.max(0, s.mxFrame - s.nBackfill) * s.pageSize : 0;
  }

  close(): void {
    this.#shm.close();
  }
}
