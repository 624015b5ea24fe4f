import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { bytesKey } from '../../src/blob/bytes-key.ts';
import { type CidBytes, cidText } from '../../src/blob/cid-bytes.ts';
import { PEER_KEY_FILE, SYNC_PROTOCOL_ID } from '../../src/constants.ts';
import { PeerBusyError, PeerError, PeerTimeoutError, SeedlingError } from '../../src/errors.ts';
import type { SyncHandlers, SyncProtocolInit } from '../../src/net/index.ts';
import { metricValue, NodeFixture, waitFor } from './helpers.ts';

/** A node whose reconciles echo the request, but only once `unblock()` is called: slots stay held. */
async function heldEchoServer(f: NodeFixture, protocol: SyncProtocolInit) {
  let unblock = () => {};
  const held = new Promise<void>((resolve) => {
    unblock = resolve;
  });
  const handlers: SyncHandlers = {
    onReconcile: async (_p, _s, rbsr) => {
      await held;
      return rbsr;
    },
    onFetch: async () => [],
    onAnnounce: () => {},
  };
  return { server: await f.node({ handlers }, { protocol }), unblock };
}

async function rawCid(text: string): Promise<{ cid: CidBytes; data: Uint8Array }> {
  const data = new TextEncoder().encode(text);
  return { cid: CID.createV1(raw.code, await sha256.digest(data)).bytes, data };
}

function same(a: CidBytes, b: CidBytes): boolean {
  return bytesKey(a) === bytesKey(b);
}

describe('seedling node', () => {
  const f = new NodeFixture();
  after(() => f.cleanup());

  it('keeps its PeerId across restarts (key file 0600 in the data dir)', async () => {
    const dir = f.tempDir();
    const first = await f.node({}, { dataDir: dir });
    const id = first.peerId.toString();
    await f.stop(first);
    assert.equal(statSync(join(dir, PEER_KEY_FILE)).mode & 0o777, 0o600);
    const second = await f.node({}, { dataDir: dir });
    assert.equal(second.peerId.toString(), id);
    assert.equal(second.peerId.type, 'Ed25519');
    const other = await f.node();
    assert.notEqual(other.peerId.toString(), id, 'another data dir has another identity');
  });

  it('exchanges every message type between two nodes', async () => {
    const blob = await rawCid('hello');
    const announced: string[][] = [];
    const handlers: SyncHandlers = {
      onReconcile: async (_peer, scope, rbsr) => new Uint8Array([...rbsr, scope.length]),
      onFetch: async (_peer, cids) =>
        cids.filter((c) => same(c, blob.cid)).map((cid) => ({ cid, data: blob.data })),
      onAnnounce: (peer, cids) => {
        announced.push([peer.toString(), ...cids.map(cidText)]);
      },
    };
    const server = await f.node({ handlers });
    const client = await f.node();
    const addr = server.multiaddrs()[0]!;
    assert.ok(addr.toString().startsWith('/ip4/127.0.0.1/tcp/'));

    // ReconcileRequest → ReconcileReply (dial by multiaddr)
    const reply = await client.protocol.reconcile(addr, 'hm://z6Mk/doc', Uint8Array.of(1, 2, 3));
    assert.deepEqual([...reply], [1, 2, 3, 13]);

    // FetchRequest → FetchReply (by PeerId, now that libp2p knows the address)
    const missing = await rawCid('absent');
    const blobs = await client.protocol.fetch(server.peerId, [blob.cid, missing.cid]);
    assert.equal(blobs.length, 1);
    assert.ok(same(blobs[0]!.cid, blob.cid));
    assert.deepEqual(blobs[0]!.data, blob.data);

    // Announce (no reply)
    await client.protocol.announce(server.peerId, [blob.cid]);
    await waitFor(() => announced.length === 1);
    assert.deepEqual(announced[0], [client.peerId.toString(), cidText(blob.cid)]);

    // Error: a handler's SeedlingError travels with its code
    server.protocol.setHandlers({
      ...handlers,
      onFetch: async () => {
        throw new SeedlingError('NOT_FOUND', 'no such blob');
      },
    });
    await assert.rejects(client.protocol.fetch(server.peerId, [blob.cid]), (err: unknown) => {
      assert.ok(err instanceof PeerError);
      assert.equal(err.remoteCode, 'NOT_FOUND');
      return true;
    });
    // ...anything else is INTERNAL, without internals
    server.protocol.setHandlers({
      ...handlers,
      onFetch: async () => {
        throw new Error('secret path /home/x');
      },
    });
    const internal = await client.protocol.request(server.peerId, {
      type: 'FetchRequest',
      cids: [blob.cid],
    });
    assert.deepEqual(internal, { type: 'Error', code: 'INTERNAL', message: 'internal error' });

    const ok = await metricValue(server.registry, 'seedling_net_streams_total', {
      protocol: SYNC_PROTOCOL_ID,
      direction: 'inbound',
      result: 'ok',
    });
    assert.equal(ok, 3);
    assert.ok(
      (await metricValue(client.registry, 'seedling_net_bytes_total', { direction: 'out' })) > 0,
    );
    assert.ok(
      (await metricValue(server.registry, 'seedling_net_bytes_total', { direction: 'in' })) > 0,
    );
    assert.equal(await metricValue(client.registry, 'seedling_net_connections'), 1);

    // identify put each node into the other's peer table with its listen address
    await waitFor(() => client.peers.get(server.peerId.toString()) !== undefined);
    const known = client.peers.get(server.peerId.toString())!;
    assert.ok(known.addrs.some((a) => addr.toString().startsWith(a)));
    assert.ok(known.agentVersion?.startsWith('js-libp2p/'));
  });

  it('carries a FetchReply close to the 4 MiB bound, and leaves out what does not fit', async () => {
    const size = 1_900_000;
    const blobs = await Promise.all(
      [1, 2, 3].map(async (n) => {
        const data = new Uint8Array(size).fill(n);
        return { cid: CID.createV1(raw.code, await sha256.digest(data)).bytes, data };
      }),
    );
    const server = await f.node({
      handlers: {
        onReconcile: async () => new Uint8Array(0),
        onFetch: async (_p, cids) => blobs.filter((b) => cids.some((c) => same(c, b.cid))),
        onAnnounce: () => {},
      },
    });
    const client = await f.node();
    const got = await client.protocol.fetch(
      server.multiaddrs()[0]!,
      blobs.map((b) => b.cid),
    );
    assert.equal(
      got.length,
      2,
      'two 1.9 MB blobs fit in 4 MiB, the third waits for the next request',
    );
    assert.deepEqual(got[1]!.data, blobs[1]!.data);
    const rest = await client.protocol.fetch(server.peerId, [blobs[2]!.cid]);
    assert.equal(rest.length, 1);
  });

  it('answers Busy past the inbound reconcile cap, and serves again once a slot frees', async () => {
    const { server, unblock } = await heldEchoServer(f, {
      maxInboundReconciles: 1,
      busyRetryAfterMs: 250,
    });
    const client = await f.node();
    const addr = server.multiaddrs()[0]!;
    const first = client.protocol.reconcile(addr, 's', Uint8Array.of(7));
    await waitFor(() => server.protocol.running().reconcile === 1);
    const started = Date.now();
    await assert.rejects(client.protocol.reconcile(addr, 's', Uint8Array.of(8)), (err: unknown) => {
      assert.ok(err instanceof PeerBusyError);
      assert.equal(err.retryAfterMs, 250);
      return true;
    });
    assert.ok(Date.now() - started < 1_000, 'Busy comes at once, not after the running reconcile');
    assert.equal(
      await metricValue(server.registry, 'seedling_net_inbound_busy_total', { kind: 'reconcile' }),
      1,
    );
    unblock();
    assert.deepEqual([...(await first)], [7]);
    assert.deepEqual([...(await client.protocol.reconcile(addr, 's', Uint8Array.of(9)))], [9]);
  });

  it('keeps one peer from taking every slot (per-peer cap), while others are served', async () => {
    const { server, unblock } = await heldEchoServer(f, {
      maxInboundReconciles: 4,
      maxInboundPerPeer: 1,
    });
    const greedy = await f.node();
    const other = await f.node();
    const addr = server.multiaddrs()[0]!;
    const first = greedy.protocol.reconcile(addr, 's', Uint8Array.of(1));
    await waitFor(() => server.protocol.running().reconcile === 1);
    await assert.rejects(greedy.protocol.reconcile(addr, 's', Uint8Array.of(2)), PeerBusyError);
    const served = other.protocol.reconcile(addr, 's', Uint8Array.of(3));
    await waitFor(() => server.protocol.running().reconcile === 2);
    unblock();
    assert.deepEqual([...(await first)], [1]);
    assert.deepEqual([...(await served)], [3]);
    assert.equal(server.protocol.running().reconcile, 0, 'slots are released');
  });

  it('times out a silent peer, answers TIMEOUT past the handler deadline, and backs the peer off', async () => {
    const never = new Promise<never>(() => {});
    const server = await f.node(
      {
        handlers: {
          onReconcile: () => never,
          onFetch: () => never,
          onAnnounce: () => {},
        },
      },
      { protocol: { handlerTimeoutMs: 150 } },
    );
    const client = await f.node();
    const addr = server.multiaddrs()[0]!;
    await assert.rejects(client.protocol.reconcile(addr, 's', Uint8Array.of(1)), (err: unknown) => {
      assert.ok(err instanceof PeerError);
      assert.equal(err.remoteCode, 'TIMEOUT');
      return true;
    });
    await assert.rejects(
      client.protocol.fetch(addr, [(await rawCid('x')).cid], { timeoutMs: 100 }),
      PeerTimeoutError,
    );
    assert.equal(client.peers.isBackedOff(server.peerId.toString()), true);
    assert.equal(client.peers.get(server.peerId.toString())?.failures, 1);
    assert.equal(await metricValue(client.registry, 'seedling_net_peer_backoffs_total'), 1);
  });

  it('dials bootstrap peers at start and keeps them in the peer table', async () => {
    const server = await f.node();
    const addr = server.multiaddrs()[0]!.toString();
    const client = await f.node({}, { bootstrap: [addr] });
    await waitFor(() => client.libp2p.getConnections(server.peerId).length > 0);
    const rec = client.peers.get(server.peerId.toString());
    assert.equal(rec?.bootstrap, true);
    assert.deepEqual(
      client.peers.dialCandidates(5).map((p) => p.peerId),
      [server.peerId.toString()],
    );
  });
});
