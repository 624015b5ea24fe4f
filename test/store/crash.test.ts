import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { crashBlob, crashBlobCount } from './fixtures/crash-blob.ts';
import { tempDir } from './fixtures/writer-harness.ts';

const CHILD = new URL('./fixtures/crash-writer.ts', import.meta.url).pathname;
const ROUNDS = 6;

type Round = { acked: number[]; signal: NodeJS.Signals | null };

/** Runs the writer child until `ready`, lets it write for `runMs`, then SIGKILLs it. */
function runAndKill(path: string, firstId: number, runMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, path, String(firstId)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), runMs);
        else acked.push(Number(line));
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child ended with ${code}/${signal}: ${stderr}`));
      else resolve({ acked, signal });
    });
  });
}

function verify(path: string, acked: number[]): { rows: number } {
  const db = new DatabaseSync(path);
  try {
    const check = db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[];
    assert.deepEqual(
      check.map((r) => r.integrity_check),
      ['ok'],
    );
    const has = db.prepare('SELECT size FROM blobs WHERE multihash = ?');
    for (const id of acked) {
      for (let k = 0; k < crashBlobCount(id); k++) {
        const b = crashBlob(id, k);
        const row = has.get(b.multihash) as { size: number } | undefined;
        assert.ok(row, `acknowledged id ${id} (blob ${k}) is missing after the crash`);
        assert.equal(row.size, b.data.byteLength);
      }
    }
    return { rows: (db.prepare('SELECT count(*) AS n FROM blobs').get() as { n: number }).n };
  } finally {
    db.close();
  }
}

describe('crash safety', () => {
  it('keeps every acknowledged write and an intact database across SIGKILLs', {
    timeout: 20_000,
  }, async () => {
    const tmp = tempDir('seedling-crash-');
    try {
      let acknowledged = 0;
      let total = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const runMs = 300 + Math.floor(Math.random() * 1200);
        const { acked } = await runAndKill(tmp.file, round * 1_000_000 + 1, runMs);
        acknowledged += acked.length;
        // Earlier rounds' ids were checked already; the count and integrity_check guard them since.
        const { rows } = verify(tmp.file, acked);
        assert.ok(rows >= total, 'no committed blob disappears');
        total = rows;
      }
      assert.ok(acknowledged > 100, `the child acknowledged writes (${acknowledged})`);
    } finally {
      tmp.cleanup();
    }
  });
});
