/**
 * Ed25519 signing keys, held as node:crypto KeyObjects so signing runs in OpenSSL.
 *
 * A key pair is made from its 32-byte seed (the Ed25519 "private key" of RFC 8032), which is what
 * mnemonic derivation produces and what a key file stores.
 */
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign } from 'node:crypto';
import { InvalidInputError } from '../errors.ts';
import type { AccountId, Principal } from '../types.ts';
import { accountIdFromPrincipal, principalFromEd25519 } from './principal.ts';

export type KeyPair = {
  principal: Principal;
  accountId: AccountId;
  /** Raw public key: 32 bytes for Ed25519 (the keys this node makes), a 33-byte compressed point for P-256. */
  publicKey: Uint8Array;
  /** 64-byte signature of `message`: Ed25519, or for P-256 r‖s over SHA-256 (WebCrypto's form). */
  sign(message: Uint8Array): Uint8Array;
  /** A copy of the 32-byte seed (secret: never log it). */
  seed(): Uint8Array;
};

const SEED_BYTES = 32;
/** ASN.1 PKCS#8 header for an Ed25519 private key (OID 1.3.101.112); the 32-byte seed follows. */
const PKCS8_ED25519_HEADER = Buffer.from('302e020100300506032b657004220420', 'hex');
/** Length of the SPKI header before the raw public key in an exported Ed25519 SPKI DER. */
const SPKI_ED25519_HEADER_BYTES = 12;

/** Key pair for a 32-byte Ed25519 seed. */
export function keyPairFromSeed(seed32: Uint8Array): KeyPair {
  if (!(seed32 instanceof Uint8Array) || seed32.length !== SEED_BYTES) {
    throw new InvalidInputError(`Ed25519 seed must be ${SEED_BYTES} bytes`, { field: 'seed' });
  }
  const seed = Uint8Array.from(seed32);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_HEADER, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = rawPublicKey(privateKey);
  const principal = principalFromEd25519(publicKey);
  return {
    principal,
    accountId: accountIdFromPrincipal(principal),
    publicKey,
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
    seed: () => Uint8Array.from(seed),
  };
}

/** A fresh random key pair. */
export function generateKeyPair(): KeyPair {
  return keyPairFromSeed(randomBytes(SEED_BYTES));
}

function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_ED25519_HEADER_BYTES));
}
