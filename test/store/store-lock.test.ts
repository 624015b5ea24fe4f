import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { StoreError, StoreInUseError } from '../../src/errors.ts';
import { openStore } from '../../src/store/store.ts';
import { StoreLock } from '../../src/store/store-lock.ts';
import { crashBlob } from './fixtures/crash-blob.ts';
import { heldLocks } from './fixtures/os-locks.ts';
import { tempDir } from './fixtures/writer-harness.ts';

const WRITER_CHILD = new URL('./fixtures/crash-writer.ts', import.meta.url).pathname;

const open = (path: string) => openStore({ registry: new Registry() }, { path, readerThreads: 1 });

/** The error opening a store on `path` fails with; a store that opens instead is closed (and undefined answered). */
async function openError(path: string): Promise<unknown> {
  try {
    await (await open(path)).close();
    return undefined;
  } catch (err) {
    return err;
  }
}

/** Starts the crash-writer child on `path` (a store that writes without pause); resolves once it acknowledged a write. */
function startWriterChild(path: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER_CHILD, path, '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^ready\n\d+\n/.test(out)) resolve(child); // holds the store and acknowledged a write
    });
    child.on('exit', (code) => reject(new Error(`writer child exited (${code}): ${stderr}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('one store per database file', () => {
  it('refuses a second store in the same process, naming the holder, and harms nothing', async () => {
    const tmp = tempDir();
    const first = await open(tmp.file);
    try {
      await first.write({
        op: 't',
        class: 'sync',
        handler: 'store.putBlobs',
        payload: [crashBlob(1, 0)],
      });
      const err = await openError(tmp.file);
      assert.ok(err instanceof StoreInUseError, `a second store opened: ${err}`);
      assert.equal(err.code, 'STORE_IN_USE');
      assert.equal(err.holder?.pid, process.pid);
      assert.ok(err.message.includes(tmp.file), err.message);
      assert.match(err.message, new RegExp(`pid ${process.pid}`));
      // The refused open started nothing on the file: the first store still writes and reads.
      await first.write({
        op: 't',
        class: 'interactive',
        handler: 'store.putBlobs',
        payload: [crashBlob(2, 0)],
      });
      assert.equal(await first.read({ op: 't', handler: 'store.countBlobs', args: {} }), 2);
    } finally {
      await first.close();
    }
    // Closing released it: the next store opens and finds both blobs.
    const second = await open(tmp.file);
    try {
      assert.equal(await second.read({ op: 't', handler: 'store.countBlobs', args: {} }), 2);
    } finally {
      await second.close();
      tmp.cleanup();
    }
  });

  it('refuses while another process holds the file, and opens at once after that process is killed', {
    timeout: 30_000,
  }, async () => {
    const tmp = tempDir();
    const child = await startWriterChild(tmp.file);
    try {
      const err = await openError(tmp.file);
      assert.ok(err instanceof StoreInUseError, `a store opened beside the child's: ${err}`);
      assert.equal(err.holder?.pid, child.pid);
      assert.equal(StoreLock.holder(tmp.file)?.pid, child.pid);
    } finally {
      await killed(child);
    }
    // SIGKILL ran no cleanup; the OS released the lock with the process, so no stale lock is left.
    const store = await open(tmp.file);
    try {
      const n = await store.read<number>({ op: 't', handler: 'store.countBlobs', args: {} });
      assert.ok(n > 0, 'the killed writer had committed blobs');
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });

  it('releases once, and says which lock file it could not open', () => {
    const tmp = tempDir();
    try {
      const lock = StoreLock.acquire(tmp.file);
      assert.ok(lock.held);
      assert.throws(() => StoreLock.acquire(tmp.file), StoreInUseError);
      if (existsSync('/proc/locks')) {
        // The refused attempt closed its connection; the OS lock of the first must survive that.
        const inode = statSync(`${tmp.file}-lock`).ino;
        assert.ok(heldLocks().some((l) => l.inode === inode && l.type === 'WRITE'));
      }
      lock.release();
      lock.release();
      assert.equal(lock.held, false);
      StoreLock.acquire(tmp.file).release();
      writeFileSync(`${tmp.file}-lock`, 'garbage, not a database '.repeat(100));
      assert.throws(
        () => StoreLock.acquire(tmp.file),
        (err: unknown) =>
          err instanceof StoreError &&
          !(err instanceof StoreInUseError) &&
          err.message.startsWith(`use lock file ${tmp.file}-lock (if it is damaged, delete it`) &&
          /not a database/.test(err.message),
      );
      const missing = join(tmp.dir, 'no-such-dir', 'store.sqlite');
      assert.throws(
        () => StoreLock.acquire(missing),
        (err: unknown) =>
          err instanceof StoreError && err.message.startsWith(`open lock file ${missing}-lock`),
      );
    } finally {
      tmp.cleanup();
    }
  });
});
