import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createChange } from '../../src/blob/create-blob.ts';
import { encodeDagCbor } from '../../src/blob/dag-cbor.ts';
import { generateKeyPair } from '../../src/blob/keys.ts';
import { verifyBlobSignature } from '../../src/blob/signature.ts';
import {
  contentEdits,
  keyFromOptions,
  readKeyFile,
  signPreparedChange,
} from '../../src/cli/commands/doc.ts';
import { HttpApiError } from '../../src/errors.ts';

const MNEMONIC = 'parrot midnight lion defense ski senior trouble slice chase spot history awkward';
const ACCOUNT = 'z6Mkm3c7LJn7vJ7XZQZHKNufnG6v9mCsVwLoG6v8ngY7aXq8';

/** An unsigned Change as PrepareDocumentChange returns it: canonical bytes, sig = 64 zeros. */
function unsignedChange(signer: Uint8Array, extra: Record<string, unknown> = {}): Uint8Array {
  const genesis = createChange({ ts: 1_000 }, generateKeyPair()).cid;
  return encodeDagCbor({
    type: 'Change',
    signer,
    sig: new Uint8Array(64),
    ts: 2_000,
    genesis,
    deps: [genesis],
    depth: 1,
    body: { ops: [{ type: 'DeleteBlocks', blocks: ['a'] }], opCount: 1 },
    ...extra,
  });
}

test('signPreparedChange signs the bytes as given: only the sig differs, and it verifies', () => {
  const key = generateKeyPair();
  const unsigned = unsignedChange(key.principal);
  const signed = signPreparedChange(unsigned, key);
  assert.equal(signed.data.length, unsigned.length);
  const differing = [...signed.data].filter((b, i) => b !== unsigned[i]).length;
  assert.ok(differing > 0 && differing <= 64);
  verifyBlobSignature(signed.data, key.principal, signed.blob.sig);
  assert.equal(signed.blob.ts, 2_000);
  assert.equal(signed.blob.depth, 1);
  assert.equal(signed.cid.code, 0x71);
});

test('signPreparedChange refuses what it must not sign', () => {
  const key = generateKeyPair();
  const other = generateKeyPair();
  assert.throws(() => signPreparedChange('not bytes', key), HttpApiError);
  assert.throws(() => signPreparedChange(unsignedChange(other.principal), key), /another signer/);
  assert.throws(
    () => signPreparedChange(unsignedChange(key.principal, { type: 'Ref' }), key),
    /another type/,
  );
  const presigned = unsignedChange(key.principal, { sig: new Uint8Array(64).fill(7) });
  assert.throws(() => signPreparedChange(presigned, key), /already signed/);
  assert.throws(() => signPreparedChange(new Uint8Array([0xff, 0x00]), key), /DAG-CBOR/);
});

test('contentEdits: title, delete old blocks not reused, then move+replace each new block', () => {
  const current = {
    version: 'v',
    content: [
      {
        block: { id: 'old1', type: 'Heading', text: 'H' },
        children: [{ block: { id: 'kid', type: 'Paragraph', text: 'two' } }],
      },
      { block: { id: 'old2', type: 'Code', text: 'p' } },
    ],
  };
  const edits = contentEdits(current, 'New', 'one\n\ntwo', 'markdown');
  assert.deepEqual(
    edits.slice(0, 3).map((e) => [e.op.case, e.op.value]),
    [
      ['setMetadata', { key: 'name', value: 'New' }],
      ['deleteBlock', 'old1'],
      ['deleteBlock', 'old2'],
    ],
  );
  const rest = edits.slice(3).map((e) => e.op);
  assert.deepEqual(
    rest.map((op) => op.case),
    ['moveBlock', 'replaceBlock', 'moveBlock', 'replaceBlock'],
  );
  const first = rest[1]!.value as { id: string; text: string };
  const second = rest[3]!.value as { id: string; text: string };
  assert.equal(first.text, 'one');
  assert.notEqual(first.id, 'old1');
  assert.deepEqual(second, { id: 'kid', type: 'Paragraph', text: 'two' }, 'same text keeps its ID');
  assert.deepEqual(rest[0]!.value, { blockId: first.id, parent: '', leftSibling: '' });
  assert.deepEqual(rest[2]!.value, { blockId: 'kid', parent: '', leftSibling: first.id });
  assert.deepEqual(contentEdits(current, undefined, null, 'markdown'), [], 'nothing to change');
});

test('keys come from --mnemonic, --key FILE (comments, line breaks) or SEEDLING_MNEMONIC', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seedling-cli-key-'));
  try {
    const file = join(dir, 'k');
    writeFileSync(file, `# comment line\n  ${MNEMONIC.replaceAll(' ', '\n')}\n`);
    assert.equal(readKeyFile(file).trim().split(/\s+/).join(' '), MNEMONIC);
    assert.equal(keyFromOptions({ key: file }).accountId, ACCOUNT);
    assert.equal(keyFromOptions({ mnemonic: MNEMONIC }).accountId, ACCOUNT);
    assert.notEqual(keyFromOptions({ mnemonic: MNEMONIC, passphrase: 'p' }).accountId, ACCOUNT);
    assert.throws(() => keyFromOptions({ mnemonic: MNEMONIC, key: file }), /not both/);
    assert.throws(() => keyFromOptions({ key: join(dir, 'nope') }), { field: 'key' });
    const saved = process.env.SEEDLING_MNEMONIC;
    process.env.SEEDLING_MNEMONIC = MNEMONIC;
    try {
      assert.equal(keyFromOptions({}).accountId, ACCOUNT);
    } finally {
      if (saved === undefined) delete process.env.SEEDLING_MNEMONIC;
      else process.env.SEEDLING_MNEMONIC = saved;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
