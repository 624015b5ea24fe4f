import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { startNode } from '../../src/node.ts';
import { cli } from './run-cli.ts';

function blob(i: number) {
  const data = new TextEncoder().encode(`backup test blob ${i} `.repeat(20));
  const digest = createHash('sha256').update(data).digest();
  return { multihash: new Uint8Array([0x12, 0x20, ...digest]), codec: 0x55, data };
}

const startAt = (dataDir: string) =>
  startNode({ dataDir, http: { port: 0 }, p2p: false, store: { readerThreads: 1 } });

describe('seedling backup', () => {
  it('copies a running node mid-sync into a directory that starts as a node with the same data', {
    timeout: 60_000,
  }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'seedling-backup-'));
    const data = join(root, 'data');
    const copy = join(root, 'copy');
    try {
      const node = await startAt(data);
      const peerKey = new Uint8Array([8, 1, 18, 64, ...Array.from({ length: 64 }, (_, i) => i)]);
      writeFileSync(join(data, 'peer-key'), peerKey, { mode: 0o600 });
      let acked = 0;
      const put = (i: number) =>
        node.store.write({ op: 't', class: 'sync', handler: 'store.putBlobs', payload: [blob(i)] });
      for (; acked < 200; acked++) await put(acked);
      // Sync keeps writing while the backup runs: the copy must be one committed state.
      let writing = true;
      const writer = (async () => {
        for (let i = 1_000; writing; i++) await put(i);
      })();
      const ackedBefore = acked;
      const run = await cli('backup', '--data', data, '--to', copy);
      writing = false;
      await writer;
      await node.close();
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /backed up .* into .*: database [\d.]+ MiB in \d+ ms, peer key/);
      assert.match(run.stdout, new RegExp(`run it with: seedling start --data ${copy}`));

      const db = new DatabaseSync(join(copy, 'seedling.db'), { readOnly: true });
      let copied: number;
      try {
        assert.equal(
          (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string })
            .integrity_check,
          'ok',
        );
        copied = Number((db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n);
      } finally {
        db.close();
      }
      assert.ok(
        copied >= ackedBefore,
        `every blob acknowledged before the backup is in it (${copied})`,
      );
      assert.deepEqual(new Uint8Array(readFileSync(join(copy, 'peer-key'))), peerKey);
      assert.equal(statSync(join(copy, 'peer-key')).mode & 0o777, 0o600);

      // The copy is a data directory: a node starts on it and reads the same blobs.
      const restored = await startAt(copy);
      try {
        assert.equal(
          await restored.store.read({ op: 't', handler: 'store.countBlobs', args: {} }),
          copied,
        );
      } finally {
        await restored.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a target that is not empty, a missing database and a missing --to, touching nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'seedling-backup-'));
    try {
      const full = join(root, 'full');
      mkdirSync(full);
      writeFileSync(join(full, 'keep.txt'), 'mine');
      const notEmpty = await cli('backup', '--data', root, '--to', full);
      assert.equal(notEmpty.code, 1);
      assert.match(
        notEmpty.stderr,
        /\[INVALID_INPUT\] --to: .*full is not empty; give a new or empty directory/,
      );
      assert.equal(readFileSync(join(full, 'keep.txt'), 'utf8'), 'mine');
      const aFile = await cli('backup', '--data', root, '--to', join(full, 'keep.txt'));
      assert.equal(aFile.code, 1);
      assert.match(
        aFile.stderr,
        /--to: .*keep\.txt is not a directory; give a new or empty directory/,
      );
      assert.equal(readFileSync(join(full, 'keep.txt'), 'utf8'), 'mine');

      const target = join(root, 'target');
      const missing = await cli('backup', '--data', join(root, 'no-node'), '--to', target);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no database at .*no-node\/seedling\.db/);
      assert.equal(existsSync(target), false, 'no half backup is left behind');

      const noTo = await cli('backup', '--data', root);
      assert.equal(noTo.code, 2);
      assert.match(noTo.stderr, /--to DIR is required/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
