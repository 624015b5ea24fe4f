import { chmod, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { PEER_KEY_FILE } from '../constants.ts';
import { SeedlingError } from '../errors.ts';

/**
 * The node's libp2p identity: an Ed25519 key kept in `<dataDir>/peer-key` (libp2p's protobuf
 * encoding), so the PeerId survives restarts. Created on first start with mode 0600, written to a
 * temporary file and renamed so a crash never leaves half a key. A key file readable by others is
 * tightened back to 0600.
 */
export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, PEER_KEY_FILE);
  const existing = await readKey(path);
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = await generateKeyPair('Ed25519');
  const tmp = `${path}.${process.pid}.tmp`;
  const file = await open(tmp, 'wx', 0o600);
  try {
    await file.writeFile(privateKeyToProtobuf(key));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  return key;
}

async function readKey(path: string): Promise<PrivateKey | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SeedlingError('PEER_KEY_UNREADABLE', `read peer key ${path}`, { cause: err });
  }
  let key: PrivateKey;
  try {
    key = privateKeyFromProtobuf(bytes);
  } catch (cause) {
    throw new SeedlingError(
      'PEER_KEY_CORRUPT',
      `peer key ${path} is not a libp2p private key; move it away to create a new identity`,
      { cause },
    );
  }
  if (key.type !== 'Ed25519') {
    throw new SeedlingError(
      'PEER_KEY_CORRUPT',
      `peer key ${path} is ${key.type}, expected Ed25519`,
    );
  }
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return key;
}
