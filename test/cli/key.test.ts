import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { keyPairFromMnemonic } from '../../src/blob/mnemonic.ts';

const run = promisify(execFile);
const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const VECTOR = {
  mnemonic: 'parrot midnight lion defense ski senior trouble slice chase spot history awkward',
  accountId: 'z6Mkm3c7LJn7vJ7XZQZHKNufnG6v9mCsVwLoG6v8ngY7aXq8',
};

/** Runs `seedling …` in a child process; resolves with exit code and output even on failure. */
async function seedling(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], {
      env: { ...process.env, SEEDLING_MNEMONIC: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('key derive prints the account ID of the vector mnemonic', async () => {
  const out = await seedling(['key', 'derive', '--mnemonic', VECTOR.mnemonic]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, `${VECTOR.accountId}\n`);
});

test('key derive --json, --passphrase and SEEDLING_MNEMONIC', async () => {
  const json = await seedling(['key', 'derive', '--json', '--mnemonic', VECTOR.mnemonic]);
  assert.deepEqual(JSON.parse(json.stdout), { accountId: VECTOR.accountId });
  const withPass = await seedling([
    'key',
    'derive',
    '--mnemonic',
    VECTOR.mnemonic,
    '--passphrase',
    'p',
  ]);
  assert.equal(withPass.stdout.trim(), keyPairFromMnemonic(VECTOR.mnemonic, 'p').accountId);
  assert.notEqual(withPass.stdout.trim(), VECTOR.accountId);
  const fromEnv = await seedling(['key', 'derive'], { SEEDLING_MNEMONIC: VECTOR.mnemonic });
  assert.equal(fromEnv.stdout.trim(), VECTOR.accountId);
});

test('key generate prints a mnemonic that derives to the printed account', async () => {
  const out = await seedling(['key', 'generate', '--json']);
  assert.equal(out.code, 0, out.stderr);
  const { mnemonic, accountId } = JSON.parse(out.stdout);
  assert.equal(mnemonic.split(' ').length, 12);
  assert.equal(keyPairFromMnemonic(mnemonic).accountId, accountId);
  const text = await seedling(['key', 'generate', '--words', '24']);
  const m = /^mnemonic: +(.+)\naccount ID: +(z6Mk\w+)\n$/.exec(text.stdout);
  assert.ok(m, text.stdout);
  assert.equal(m[1]!.split(' ').length, 24);
  assert.equal(keyPairFromMnemonic(m[1]!).accountId, m[2]);
});

test('bad input exits non-zero with a clear message', async () => {
  const short = await seedling(['key', 'derive', '--mnemonic', 'parrot midnight']);
  assert.equal(short.code, 1);
  assert.match(short.stderr, /INVALID_INPUT.*mnemonic.*got 2/);
  assert.equal(short.stdout, '');
  const missing = await seedling(['key', 'derive']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--mnemonic is required/);
  const unknown = await seedling(['key', 'derive', '--mnemonic', VECTOR.mnemonic, '--bogus']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /bogus/);
  const sub = await seedling(['key', 'rotate']);
  assert.equal(sub.code, 2);
  assert.match(sub.stderr, /unknown subcommand "rotate"/);
  const words = await seedling(['key', 'generate', '--words', '13']);
  assert.equal(words.code, 2);
});

test('key --help prints usage', async () => {
  const out = await seedling(['key', 'derive', '--help']);
  assert.equal(out.code, 0);
  assert.match(out.stdout, /seedling key derive --mnemonic/);
});
