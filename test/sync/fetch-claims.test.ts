import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FetchClaims } from '../../src/sync/fetch-claims.ts';

const settled = (p: Promise<unknown>) =>
  Promise.race([p.then(() => true), new Promise((r) => setImmediate(() => r(false)))]);

describe('fetch claims', () => {
  it('gives each key to its first claimer; a later claimer waits for the release', async () => {
    const claims = new FetchClaims();
    const first = claims.claim(['a', 'b']);
    assert.deepEqual(first.mine, ['a', 'b']);
    assert.equal(first.others.length, 0);

    const second = claims.claim(['b', 'c']);
    assert.deepEqual(second.mine, ['c']);
    assert.equal(second.others.length, 1);
    const third = claims.claim(['b']);
    assert.equal(third.others.length, 1, 'two waiters on one key');
    assert.equal(claims.size, 3);

    claims.release(['a']);
    assert.equal(await settled(second.others[0]!), false, "releasing 'a' does not wake 'b'");
    claims.release(['b']);
    assert.equal(await settled(second.others[0]!), true);
    assert.equal(await settled(third.others[0]!), true);
    assert.equal(claims.size, 1);

    // Released keys can be claimed again (a failed fetch is retried by the next wave); releasing
    // twice or releasing what nobody holds changes nothing.
    claims.release(['b', 'zzz']);
    assert.deepEqual(claims.claim(['a', 'b']).mine, ['a', 'b']);
    assert.equal(claims.size, 3);
  });
});
