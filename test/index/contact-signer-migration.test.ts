import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import * as indexExtension from '../../src/index/store-extension.ts';
import { applyMigrationsOnWriter, collectMigrations } from '../../src/store/migrations.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import * as storeExtension from '../../src/store/store-extension.ts';

it('v41 gives contacts indexed before it their signer: the feed event author, else the account', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seedling-v41-'));
  const db = openDatabase(join(dir, 'test.db'));
  try {
    const all = collectMigrations([storeExtension, indexExtension]);
    assert.ok(all.some((m) => m.version === 41));
    applyMigrationsOnWriter(
      db,
      all.filter((m) => m.version < 41),
    );
    const insert = db.prepare(
      `INSERT INTO contacts (id, tsid, account, cid, subject, name, subscribe, ts)
       VALUES (?, ?, 'zAlice', ?, 'zCarol', 'Carol', NULL, 1)`,
    );
    insert.run('zAlice/t1', 't1', 'bafy-delegated');
    insert.run('zAlice/t2', 't2', 'bafy-no-event');
    db.prepare(
      `INSERT INTO events (observed_time, event_time, type, cid, author, account)
       VALUES (1, 1, 'Contact', 'bafy-delegated', 'zBob', 'zAlice')`,
    ).run();
    const report = applyMigrationsOnWriter(
      db,
      all.filter((m) => m.version <= 41),
    );
    assert.deepEqual(report.applied, [41]);
    const rows = db.prepare('SELECT id, signer FROM contacts ORDER BY id').all();
    assert.deepEqual(
      rows.map((r) => [r.id, r.signer]),
      [
        ['zAlice/t1', 'zBob'],
        ['zAlice/t2', 'zAlice'],
      ],
    );
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
