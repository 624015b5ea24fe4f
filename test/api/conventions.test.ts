import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodyDigestOf, etagFor, freshTag, sameBody, urlDigestOf } from '../../src/api/etag.ts';
import { httpErrorOf } from '../../src/api/http-errors.ts';
import { parseQueryParams } from '../../src/api/query-params.ts';
import { hmIdInput, timestamp } from '../../src/api/wire-ids.ts';
import { wireMetadata } from '../../src/api/wire-metadata.ts';
import {
  BlobError,
  InvalidInputError,
  OverloadError,
  StoreError,
  UnknownKeyError,
} from '../../src/errors.ts';
import { testKey } from '../fixtures/blob-factory.ts';

describe('GET parameters are parsed by schema kind', () => {
  const kinds = {
    pageToken: 'string',
    pageSize: 'number',
    trustedOnly: 'boolean',
    filterAuthors: 'json',
  } as const;

  it('keeps a numeric-looking string a string and parses the rest by kind', () => {
    const out = parseQueryParams(
      { pageToken: '12', pageSize: '5', trustedOnly: 'false', filterAuthors: '["a","b"]' },
      kinds,
    );
    assert.deepEqual(out, {
      pageToken: '12',
      pageSize: 5,
      trustedOnly: false,
      filterAuthors: ['a', 'b'],
    });
  });

  it('names the field of a malformed value', () => {
    assert.throws(
      () => parseQueryParams({ pageSize: 'ten' }, kinds),
      (e: Error) => e instanceof InvalidInputError && /^pageSize: /.test(e.message),
    );
    assert.throws(
      () => parseQueryParams({ filterAuthors: '[oops' }, kinds),
      (e: Error) => e instanceof InvalidInputError && /^filterAuthors: /.test(e.message),
    );
    assert.throws(
      () => parseQueryParams({ bogus: '1' }, kinds),
      (e: Error) => e instanceof InvalidInputError && /^bogus: /.test(e.message),
    );
    assert.throws(() => parseQueryParams({ pageSize: ['1', '2'] }, kinds), /pageSize/);
  });

  it('treats an empty flag as true (the `&l` form)', () => {
    assert.deepEqual(parseQueryParams({ trustedOnly: '' }, kinds), { trustedOnly: true });
  });
});

describe('errors map to statuses in one place', () => {
  it('maps each class', () => {
    assert.equal(httpErrorOf(new InvalidInputError('bad', { field: 'id' })).status, 400);
    assert.equal(httpErrorOf(new BlobError('CID_MISMATCH', 'no')).status, 400);
    assert.equal(httpErrorOf(new UnknownKeyError('Nope')).status, 404);
    assert.equal(httpErrorOf(new UnknownKeyError('Nope')).message, 'Unknown query key: Nope');
    const overload = httpErrorOf(new OverloadError('interactive queue', 2500));
    assert.equal(overload.status, 503);
    assert.equal(overload.retryAfterS, 3);
    assert.equal(httpErrorOf(new StoreError('write')).status, 500);
    assert.equal(httpErrorOf(new TypeError('x')).status, 500);
    const full = httpErrorOf(new StoreError('api.PublishBlobs', { code: 'STORE_FULL' }));
    assert.deepEqual([full.status, full.bug], [507, false]);
  });

  it('maps errors that lost their class crossing a thread by code and name', () => {
    const cloned = Object.assign(new Error('blobs[0]: bad signature'), {
      name: 'BlobError',
      code: 'BAD_SIGNATURE',
    });
    assert.equal(httpErrorOf(cloned).status, 400);
    const over = Object.assign(new Error('full'), { code: 'OVERLOADED', retryAfterMs: 900 });
    assert.deepEqual([httpErrorOf(over).status, httpErrorOf(over).retryAfterS], [503, 1]);
    const full = Object.assign(new Error('database or disk is full'), { code: 'STORE_FULL' });
    assert.equal(httpErrorOf(full).status, 507);
  });
});

describe('ETags', () => {
  const q1 = urlDigestOf('/api/Query?x=1');
  const q2 = urlDigestOf('/api/Query?x=2');
  const body = bodyDigestOf('{"json":{"a":1}}');

  it('name the generation, the URL and the body', () => {
    const a = etagFor(10, q1, body);
    assert.match(a, /^W\/"[0-9a-z]+-[\w-]{16}-[\w-]{16}"$/);
    assert.notEqual(a, etagFor(11, q1, body));
    assert.notEqual(a, etagFor(10, q2, body));
    assert.notEqual(a, etagFor(10, q1, bodyDigestOf('{"json":{"a":2}}')));
    assert.equal(urlDigestOf('/api/Query?x=1'), q1, 'the same URL, the same digest (cached)');
  });

  it('step 1: a tag of this URL at the current generation is fresh, weak or strong, in a list', () => {
    const a = etagFor(10, q1, body);
    assert.equal(freshTag(a, 10, q1), a);
    assert.equal(freshTag(`"other", ${a.slice(2)}`, 10, q1), a);
    assert.equal(freshTag(a, 11, q1), undefined, 'the generation moved');
    assert.equal(freshTag(a, 10, q2), undefined, 'another URL');
    assert.equal(freshTag(undefined, 10, q1), undefined);
    assert.equal(freshTag('*', 10, q1), undefined, '`*` is answered with the rendered tag');
  });

  it('step 2: after the generation moved, the same body of the same URL still matches', () => {
    const old = etagFor(10, q1, body);
    assert.ok(sameBody(old, q1, body));
    assert.ok(sameBody(`W/"x", ${old}`, q1, body));
    assert.ok(!sameBody(old, q1, bodyDigestOf('{"json":{"a":2}}')), 'the body changed');
    assert.ok(!sameBody(etagFor(10, q2, body), q1, body), 'a tag of another URL never matches');
    assert.ok(sameBody('*', q1, body));
    assert.ok(!sameBody(undefined, q1, body));
    assert.ok(!sameBody('"garbage"', q1, body));
  });
});

describe('wire shapes', () => {
  it('timestamps are {seconds, nanos}', () => {
    assert.deepEqual(timestamp(1_760_000_000_123), { seconds: 1_760_000_000, nanos: 123_000_000 });
  });

  it('metadata drops known fields of the wrong type and keeps unknown ones', () => {
    assert.deepEqual(
      wireMetadata({ name: 'T', layout: 'weird', showOutline: 'yes', custom: 1, theme: { x: 1 } }),
      { name: 'T', custom: 1, theme: {} },
    );
    assert.deepEqual(wireMetadata('{"name":"J"}'), { name: 'J' });
    assert.deepEqual(wireMetadata(null), {});
  });

  it('reads an ID as packed text or as its JSON object', () => {
    const uid = testKey('alice').accountId;
    const packed = hmIdInput(
      `hm://${uid}/a/b?v=bafyreib7ybt5iqzvw6pacy5nxw5r2lpqxo5ys5gbfe3eqmcp3ppgkuqcc4`,
      'id',
    );
    assert.deepEqual(packed.path, ['a', 'b']);
    assert.equal(packed.uid, uid);
    const object = hmIdInput(JSON.stringify({ uid, path: ['a'], version: null }), 'targetId');
    assert.equal(object.id, `hm://${uid}/a`);
    assert.throws(() => hmIdInput('nope', 'targetId'), /^InvalidInputError: targetId: /);
  });
});
