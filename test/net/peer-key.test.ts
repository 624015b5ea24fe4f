import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { PEER_KEY_FILE } from '../../src/constants.ts';
import { SeedlingError } from '../../src/errors.ts';
import { loadOrCreatePeerKey } from '../../src/net/index.ts';

describe('peer key', () => {
  const root = mkdtempSync(join(tmpdir(), 'seedling-key-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is created once (Ed25519, mode 0600) and reloaded identically', async () => {
    const dir = join(root, 'a', 'nested');
    const key = await loadOrCreatePeerKey(dir);
    assert.equal(key.type, 'Ed25519');
    assert.equal(statSync(join(dir, PEER_KEY_FILE)).mode & 0o777, 0o600);
    const again = await loadOrCreatePeerKey(dir);
    assert.ok(again.equals(key));
    assert.equal(peerIdFromPrivateKey(again).toString(), peerIdFromPrivateKey(key).toString());
  });

  it('tightens a key file readable by others back to 0600', async () => {
    const dir = join(root, 'b');
    await loadOrCreatePeerKey(dir);
    chmodSync(join(dir, PEER_KEY_FILE), 0o644);
    await loadOrCreatePeerKey(dir);
    assert.equal(statSync(join(dir, PEER_KEY_FILE)).mode & 0o777, 0o600);
  });

  it('refuses a corrupt key file instead of silently changing identity', async () => {
    const dir = join(root, 'c');
    await loadOrCreatePeerKey(dir);
    writeFileSync(join(dir, PEER_KEY_FILE), 'garbage');
    await assert.rejects(loadOrCreatePeerKey(dir), (err: unknown) => {
      assert.ok(err instanceof SeedlingError);
      assert.equal(err.code, 'PEER_KEY_CORRUPT');
      return true;
    });
  });
});
