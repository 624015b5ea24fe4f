import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const bin = new URL('../../bin/seedling.js', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

function seedling(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

test('--version prints the package version', () => {
  const out = seedling('--version');
  assert.equal(out.status, 0);
  assert.equal(out.stdout.trim(), `seedling ${pkg.version}`);
});

test('--help lists usage and exits 0', () => {
  const out = seedling('--help');
  assert.equal(out.status, 0);
  assert.match(out.stdout, /Usage: seedling <command>/);
});

test('an unknown command exits 2 with a message', () => {
  const out = seedling('frobnicate');
  assert.equal(out.status, 2);
  assert.match(out.stderr, /unknown command "frobnicate"/);
});
