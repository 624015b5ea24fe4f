import type { DatabaseSync } from 'node:sqlite';
import { StoreError } from '../errors.ts';
import type { Migration, StoreExtension } from './extension.ts';

/**
 * Schema migrations, gathered from every store extension and applied by the writer at open.
 *
 * Rules:
 * 1. Versions are positive integers, unique across all extensions (a duplicate refuses to start:
 *    two subsystems claimed the same number). They are applied in ascending order.
 * 2. A migration runs iff its version is above `PRAGMA user_version`. Each runs in its own
 *    `BEGIN IMMEDIATE` transaction that also sets `user_version` and records the migration in
 *    `store_migrations`, so a crash leaves the schema at a whole step, never half of one.
 * 3. A known migration at or below `user_version` that the database never recorded means it was
 *    added below an existing number (or the store was opened once without that extension and its
 *    later migrations ran): the store refuses to start rather than run without those tables.
 * 4. A `user_version` above every known migration means a newer Seedling (or an extension not
 *    loaded now) wrote the schema: the store refuses to start rather than write rows that schema
 *    does not expect. Downgrading needs a backup made before the upgrade.
 */

export type MigrationReport = { from: number; to: number; applied: number[] };

const LEDGER_SQL = `CREATE TABLE IF NOT EXISTS store_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT`;

/** Migrations of all extensions, sorted by version; refuses bad or duplicate versions (rule 1). */
export function collectMigrations(extensions: StoreExtension[]): Migration[] {
  const byVersion = new Map<number, Migration>();
  for (const ext of extensions) {
    for (const m of ext.migrations ?? []) {
      checkMigration(m);
      const other = byVersion.get(m.version);
      if (other) {
        throw new StoreError(
          `migration v${m.version} is claimed twice ('${other.name}' and '${m.name}')`,
          { code: 'STORE_MIGRATION_CONFLICT' },
        );
      }
      byVersion.set(m.version, m);
    }
  }
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
}

function checkMigration(m: Migration): void {
  if (!Number.isSafeInteger(m.version) || m.version < 1) {
    throw new StoreError(`migration '${m.name}': version must be a positive integer`, {
      code: 'STORE_MIGRATION_CONFLICT',
    });
  }
  if (typeof m.sql !== 'string' || m.sql.trim() === '') {
    throw new StoreError(`migration v${m.version}: sql must be a non-empty string`, {
      code: 'STORE_MIGRATION_CONFLICT',
    });
  }
}

/** Writer thread: the database's schema version (`PRAGMA user_version`). */
export function schemaVersionOnWriter(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  return row.user_version;
}

/** Writer thread: applies the migrations above `user_version`, each in its own transaction (rule 2). */
export function applyMigrationsOnWriter(
  db: DatabaseSync,
  migrations: Migration[],
  now: () => number = Date.now,
): MigrationReport {
  const from = schemaVersionOnWriter(db);
  checkNotNewer(migrations, from);
  checkNoGaps(db, migrations, from);
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= from) continue;
    applyOne(db, m, now());
    applied.push(m.version);
  }
  return { from, to: schemaVersionOnWriter(db), applied };
}

function applyOne(db: DatabaseSync, m: Migration, at: number): void {
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (cause) {
    throw new StoreError(`migrate to v${m.version} (${m.name}): begin`, {
      cause,
      code: 'STORE_MIGRATION_FAILED',
    });
  }
  try {
    db.exec(m.sql);
    m.run?.(db);
    db.exec(LEDGER_SQL);
    db.prepare('INSERT INTO store_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      m.version,
      m.name,
      at,
    );
    // user_version takes no bound parameter; the version is a checked safe integer (checkMigration).
    db.exec(`PRAGMA user_version = ${m.version}`);
    db.exec('COMMIT');
  } catch (cause) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw new StoreError(`migrate to v${m.version} (${m.name})`, {
      cause,
      code: 'STORE_MIGRATION_FAILED',
    });
  }
}

/** Rule 4: the schema is not newer than every migration this code knows. */
function checkNotNewer(migrations: Migration[], current: number): void {
  const known = migrations.at(-1)?.version ?? 0;
  if (current <= known) return;
  throw new StoreError(
    `database is at schema v${current}, newer than this Seedling knows (v${known}): a newer Seedling, or an extension not loaded now, wrote it. Run that version, or restore a backup made before the upgrade`,
    { code: 'STORE_SCHEMA_NEWER' },
  );
}

/** Rule 3: every known migration at or below the current version must be recorded as applied. */
function checkNoGaps(db: DatabaseSync, migrations: Migration[], current: number): void {
  if (current === 0) return;
  const hasLedger = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_migrations'")
    .get();
  const recorded = new Set<number>();
  if (hasLedger) {
    const rows = db.prepare('SELECT version FROM store_migrations').all() as { version: number }[];
    for (const r of rows) recorded.add(r.version);
  }
  const missing = migrations.filter((m) => m.version <= current && !recorded.has(m.version));
  if (missing.length > 0) {
    const names = missing.map((m) => `v${m.version} (${m.name})`).join(', ');
    throw new StoreError(
      `database is at schema v${current} but never applied ${names}: a migration was numbered below an applied one, or the store was once opened without its extension`,
      { code: 'STORE_MIGRATION_GAP' },
    );
  }
}
