import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Stream } from '@libp2p/interface';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { MAX_FRAME_BYTES, SYNC_PROTOCOL_ID } from '../../src/constants.ts';
import { ProtocolError } from '../../src/errors.ts';
import {
  encodeMessage,
  encodeVarint,
  type SeedlingNode,
  type SyncHandlers,
} from '../../src/net/index.ts';
import { metricValue, NodeFixture, waitFor } from './helpers.ts';

const echo: SyncHandlers = {
  onReconcile: async (_p, _s, rbsr) => rbsr,
  onFetch: async () => [],
  onAnnounce: () => {},
};

/** Opens a raw stream of the sync protocol from `from` to `to`, bypassing our framer. */
async function rawStream(from: SeedlingNode, to: SeedlingNode): Promise<Stream> {
  return from.libp2p.dialProtocol(to.multiaddrs()[0]!, SYNC_PROTOCOL_ID);
}

/** Resolves with the close event's error once the stream is closed (reset → error set). */
function closed(stream: Stream): Promise<Error | undefined> {
  if (stream.status === 'reset' || stream.status === 'aborted' || stream.status === 'closed') {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) =>
    stream.addEventListener('close', (evt) => resolve(evt.error), { once: true }),
  );
}

describe('hostile peers', () => {
  const f = new NodeFixture();
  after(() => f.cleanup());

  it('rejects an oversized frame and a garbage frame, counts them, and keeps serving others', async () => {
    const victim = await f.node({ handlers: echo });
    const hostile = await f.node();
    const hostileId = hostile.peerId.toString();

    // A prefix announcing a frame past the bound: rejected from the prefix alone.
    const big = await rawStream(hostile, victim);
    const bigClosed = closed(big);
    big.send(encodeVarint(MAX_FRAME_BYTES + 1));
    big.send(new Uint8Array(64));
    assert.ok(await bigClosed, 'the victim reset the stream');
    await waitFor(
      async () =>
        (await metricValue(victim.registry, 'seedling_net_frames_rejected_total', {
          reason: 'frame_too_large',
        })) === 1,
    );

    // A well-sized frame of garbage: unknown message type.
    const junk = await rawStream(hostile, victim);
    const junkClosed = closed(junk);
    junk.send(Uint8Array.of(4, 0xee, 1, 2, 3));
    assert.ok(await junkClosed);
    await waitFor(
      async () =>
        (await metricValue(victim.registry, 'seedling_net_frames_rejected_total', {
          reason: 'unknown_type',
        })) === 1,
    );

    // A known type whose field lies about its length.
    const liar = await rawStream(hostile, victim);
    const liarClosed = closed(liar);
    liar.send(Uint8Array.of(3, 0x02, 0x7f, 0x00)); // rbsr.length says 127, 1 byte follows
    assert.ok(await liarClosed);
    await waitFor(
      async () =>
        (await metricValue(victim.registry, 'seedling_net_frames_rejected_total', {
          reason: 'bad_message',
        })) === 1,
    );

    assert.equal(victim.peers.get(hostileId)?.hostile, 3, 'counted against the hostile peer');
    assert.equal(
      await metricValue(victim.registry, 'seedling_net_streams_total', {
        protocol: SYNC_PROTOCOL_ID,
        direction: 'inbound',
        result: 'protocol_error',
      }),
      3,
    );

    // Another peer is served normally.
    const honest = await f.node();
    const reply = await honest.protocol.reconcile(
      victim.multiaddrs()[0]!,
      'scope',
      Uint8Array.of(42),
    );
    assert.deepEqual([...reply], [42]);
    assert.equal(victim.peers.get(honest.peerId.toString())?.hostile ?? 0, 0);
  });

  it('cuts off a peer that stalls mid-frame', async () => {
    const victim = await f.node({ handlers: echo }, { protocol: { frameReadTimeoutMs: 200 } });
    const staller = await f.node();
    const stream = await rawStream(staller, victim);
    const done = closed(stream);
    const started = Date.now();
    stream.send(encodeVarint(100));
    stream.send(new Uint8Array(10)); // 10 of 100 bytes, then silence
    assert.ok(await done, 'reset by the victim');
    const took = Date.now() - started;
    assert.ok(took >= 150 && took < 3_000, `cut off after ${took} ms`);
    await waitFor(
      async () =>
        (await metricValue(victim.registry, 'seedling_net_frames_rejected_total', {
          reason: 'timeout',
        })) === 1,
    );
    assert.equal(victim.peers.get(staller.peerId.toString())?.hostile, 1);
  });

  it('hangs up and bans a peer past the hostile threshold', async () => {
    const victim = await f.node(
      { handlers: echo },
      { protocol: { hostileDisconnectThreshold: 2 } },
    );
    const hostile = await f.node();
    for (let i = 0; i < 2; i++) {
      const s = await rawStream(hostile, victim);
      const c = closed(s);
      s.send(Uint8Array.of(1, 0xff));
      await c;
    }
    await waitFor(() => victim.libp2p.getConnections(hostile.peerId).length === 0);
    assert.equal(victim.peers.isBackedOff(hostile.peerId.toString()), true);
    assert.equal(await metricValue(victim.registry, 'seedling_net_hostile_disconnects_total'), 1);
    // The ban holds at the connection gate: the peer cannot come back at once.
    await assert.rejects(
      hostile.protocol.reconcile(victim.multiaddrs()[0]!, 's', Uint8Array.of(1)),
    );
    assert.equal(victim.libp2p.getConnections(hostile.peerId).length, 0);
  });

  it('rejects a hostile reply on the requesting side', async () => {
    const client = await f.node();
    const liar = await f.node();
    // Replace the liar's handler with one that answers an oversized prefix.
    await liar.libp2p.handle(
      SYNC_PROTOCOL_ID,
      (stream) => {
        stream.send(encodeVarint(MAX_FRAME_BYTES + 10));
      },
      { force: true },
    );
    await assert.rejects(
      client.protocol.reconcile(liar.multiaddrs()[0]!, 's', Uint8Array.of(1)),
      (err: unknown) => {
        assert.ok(err instanceof ProtocolError);
        assert.equal(err.code, 'PROTOCOL_FRAME_TOO_LARGE');
        return true;
      },
    );
    assert.equal(client.peers.get(liar.peerId.toString())?.hostile, 1);

    // A well-formed FetchReply carrying a blob nobody asked for is a violation too.
    const data = Uint8Array.of(1);
    const unasked = CID.createV1(raw.code, await sha256.digest(data)).bytes;
    const asked = CID.createV1(raw.code, await sha256.digest(Uint8Array.of(2))).bytes;
    await liar.libp2p.handle(
      SYNC_PROTOCOL_ID,
      (stream) => {
        const body = encodeMessage({ type: 'FetchReply', blobs: [{ cid: unasked, data }] });
        stream.send(encodeVarint(body.byteLength));
        stream.send(body);
      },
      { force: true },
    );
    await assert.rejects(client.protocol.fetch(liar.multiaddrs()[0]!, [asked]), (err: unknown) => {
      assert.ok(err instanceof ProtocolError);
      assert.equal(err.code, 'PROTOCOL_UNEXPECTED_MESSAGE');
      return true;
    });
    assert.equal(client.peers.get(liar.peerId.toString())?.hostile, 2);
    assert.equal(
      await metricValue(client.registry, 'seedling_net_frames_rejected_total', {
        reason: 'frame_too_large',
      }),
      1,
    );
  });
});
