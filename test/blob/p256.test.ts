import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CODEC, cidForBytes } from '../../src/blob/cid.ts';
import { encodeDagCbor } from '../../src/blob/dag-cbor.ts';
import {
  P256_PREFIX,
  principalFromAccountId,
  signerKind,
  verifyP256,
} from '../../src/blob/principal.ts';
import { locateSignature, signedBytes } from '../../src/blob/signature.ts';
import { verifyBlob } from '../../src/blob/verify-blob.ts';
import { makeProfile } from '../fixtures/blob-factory.ts';
import { p256Key, webCryptoSign } from '../fixtures/p256-key.ts';

/** Seed's web signers: ECDSA P-256 (WebCrypto, SHA-256, r‖s), principal 0x8024 + compressed point. */
describe('ECDSA P-256 signers', () => {
  const key = p256Key();

  it('a P-256 account ID is a did:key-style zDn… ID that parses back to its principal', () => {
    assert.match(key.accountId, /^zDn/);
    assert.deepEqual(principalFromAccountId(key.accountId), key.principal);
    assert.equal(signerKind(key.principal), 'p256');
  });

  it('accepts a blob signed in the node:crypto form (SHA-256, r‖s)', () => {
    const profile = makeProfile(key, { name: 'Web user' });
    const verified = verifyBlob({ cid: profile.cid, data: profile.data });
    assert.equal(verified.blob?.type, 'Profile');
    assert.deepEqual(verified.blob?.signer, key.principal);
  });

  it('accepts a blob signed by WebCrypto itself, as a browser signs', async () => {
    const bytes = encodeDagCbor({
      type: 'Profile',
      signer: key.principal,
      sig: new Uint8Array(64),
      ts: 1_700_000_000_000,
      name: 'Signed in a browser',
    });
    const offset = locateSignature(bytes);
    bytes.set(await webCryptoSign(key.privateKey, signedBytes(bytes, offset)), offset);
    assert.doesNotThrow(() => verifyBlob({ cid: cidForBytes(bytes, CODEC.dagCbor), data: bytes }));
  });

  it('refuses a changed payload, and another key signing for this signer, as BAD_SIGNATURE', () => {
    const profile = makeProfile(key, { name: 'Alice' });
    const data = new Uint8Array(profile.data);
    data[Buffer.from(data).indexOf('Alice')]! ^= 0x20;
    assert.throws(() => verifyBlob({ data }), {
      code: 'BAD_SIGNATURE',
      message: /ECDSA P-256 signature does not verify/,
    });
    const other = p256Key();
    const forged = makeProfile({ ...other, principal: key.principal }, { name: 'Alice' });
    assert.throws(() => verifyBlob({ data: forged.data }), { code: 'BAD_SIGNATURE' });
  });

  it('a point that is not on the curve (or not a compressed point) is BAD_SIGNATURE, not a crash', () => {
    const message = new Uint8Array([1, 2, 3]);
    const sig = key.sign(message);
    const xAboveTheFieldPrime = new Uint8Array([0x02, ...new Uint8Array(32).fill(0xff)]);
    const badTag = new Uint8Array([0x05, ...key.publicKey.subarray(1)]);
    assert.equal(verifyP256(key.publicKey, message, sig), true);
    assert.equal(verifyP256(xAboveTheFieldPrime, message, sig), false);
    assert.equal(verifyP256(badTag, message, sig), false);
    assert.equal(verifyP256(key.publicKey, message, sig.subarray(0, 63)), false);
    for (const point of [xAboveTheFieldPrime, badTag]) {
      const signer = new Uint8Array([...P256_PREFIX, ...point]);
      const data = encodeDagCbor({ type: 'Profile', signer, sig: new Uint8Array(64), ts: 1 });
      assert.throws(() => verifyBlob({ data }), { code: 'BAD_SIGNATURE' });
    }
  });

  it('a principal of a wrong length or an unknown key type is BAD_PRINCIPAL, naming what it is', () => {
    assert.throws(() => signerKind(key.principal.subarray(0, 34)), {
      code: 'BAD_PRINCIPAL',
      message: /P-256 principal of 34 bytes/,
    });
    assert.throws(() => signerKind(new Uint8Array([0x12, 0x20, 1])), {
      code: 'BAD_PRINCIPAL',
      message: /unknown key type/,
    });
  });
});
