/**
 * Seed-compatible account keys from BIP-39 mnemonics: BIP-39 seed (PBKDF2, empty passphrase by
 * default), then SLIP-10 Ed25519 derivation at m/44'/104109'/0' (104109 spells "hm"). Must match
 * Seed's own apps, so the same words give the same account everywhere (BLOBS.md has the vector).
 */
import {
  generateMnemonic as bip39Generate,
  mnemonicToSeedSync,
  validateMnemonic,
} from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { HDKey } from 'micro-key-producer/slip10.js';
import { InvalidInputError } from '../errors.ts';
import { type KeyPair, keyPairFromSeed } from './keys.ts';

/** SLIP-10 path of a Seed Hypermedia account key. */
export const SEED_KEY_PATH = "m/44'/104109'/0'";

/** The account key for `words` (English BIP-39 list; any case and spacing). */
export function keyPairFromMnemonic(words: string, passphrase = ''): KeyPair {
  const mnemonic = normalizeMnemonic(words);
  if (typeof passphrase !== 'string') {
    throw new InvalidInputError('must be a string', { field: 'passphrase' });
  }
  const bip39Seed = mnemonicToSeedSync(mnemonic, passphrase);
  const derived = HDKey.fromMasterSeed(bip39Seed).derive(SEED_KEY_PATH);
  return keyPairFromSeed(derived.privateKey);
}

/** A new random English mnemonic: 12 words (as Seed's apps make) or 24. */
export function generateMnemonic(words: 12 | 24 = 12): string {
  if (words !== 12 && words !== 24) {
    throw new InvalidInputError('must be 12 or 24', { field: 'words' });
  }
  return bip39Generate(wordlist, words === 12 ? 128 : 256);
}

/** Trims, collapses whitespace and lower-cases, then checks words and checksum. */
export function normalizeMnemonic(words: string): string {
  if (typeof words !== 'string') {
    throw new InvalidInputError('must be a string of words', { field: 'mnemonic' });
  }
  const list = words.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (![12, 15, 18, 21, 24].includes(list.length)) {
    throw new InvalidInputError(`expected 12, 15, 18, 21 or 24 words, got ${list.length}`, {
      field: 'mnemonic',
    });
  }
  const unknown = list.filter((w) => !wordlist.includes(w));
  if (unknown.length > 0) {
    throw new InvalidInputError(`not in the BIP-39 English word list: ${unknown.join(', ')}`, {
      field: 'mnemonic',
    });
  }
  const mnemonic = list.join(' ');
  if (!validateMnemonic(mnemonic, wordlist)) {
    throw new InvalidInputError('checksum does not match (a word is wrong or out of order)', {
      field: 'mnemonic',
    });
  }
  return mnemonic;
}
