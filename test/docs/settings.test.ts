import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderSettings } from '../../scripts/settings-doc.ts';

test('docs/settings.md lists every constant of src/constants.ts as it is now', () => {
  const source = readFileSync(new URL('../../src/constants.ts', import.meta.url), 'utf8');
  const doc = readFileSync(new URL('../../docs/settings.md', import.meta.url), 'utf8');
  assert.equal(doc, renderSettings(source), 'stale: run `npm run docs:settings`');
  for (const [, name] of source.matchAll(/^export const (\w+)/gm)) {
    assert.ok(doc.includes(`\`${name}\``), `${name} is missing from docs/settings.md`);
  }
});
