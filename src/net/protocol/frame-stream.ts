import type { AbortOptions, Stream } from '@libp2p/interface';
import { type ByteStream, byteStream } from '@libp2p/utils';
import { MAX_FETCH_REPLY_FRAME_BYTES } from '../../constants.ts';
import { ProtocolError } from '../../errors.ts';
import { encodeVarint, VarintDecoder, WireErrorCode } from './wire.ts';

/** Read-ahead room above the largest frame: its length prefix plus a little slack. */
const BUFFER_SLACK_BYTES = 64;

export type FrameCounters = { bytesIn(n: number): void; bytesOut(n: number): void };

/**
 * Length-prefixed frames over a libp2p v3 stream: `varint(length) ‖ body`.
 *
 * Built on `byteStream` from @libp2p/utils (the kept helper that turns v3's message events into
 * `read({bytes})`/`write()` with back-pressure). We do our own prefix parsing instead of its
 * `lpStream` because the bound depends on which message is expected next (4 MiB for a FetchReply,
 * 1 MiB otherwise), and we want an exact reason for every rejection.
 *
 * Invariants:
 * 1. A frame longer than `maxBytes` is rejected from its prefix, before its body is buffered.
 * 2. A prefix that is over-long or not minimal is rejected (`PROTOCOL_BAD_LENGTH`).
 * 3. EOF before the first byte of a frame is a clean end (`null`); EOF inside one is `PROTOCOL_TRUNCATED`.
 * 4. The caller's signal bounds the whole read: a peer stalling mid-frame is cut off by it.
 */
export class FrameStream {
  readonly stream: Stream;
  readonly #bytes: ByteStream<Stream>;
  readonly #counters: FrameCounters | undefined;

  constructor(stream: Stream, counters?: FrameCounters) {
    this.stream = stream;
    this.#counters = counters;
    // Bytes the peer pushes beyond this (without us reading) make byteStream reset the stream.
    this.#bytes = byteStream(stream, {
      maxBufferSize: MAX_FETCH_REPLY_FRAME_BYTES + BUFFER_SLACK_BYTES,
    });
  }

  /** Reads one frame body of at most `maxBytes`; `null` when the peer closed cleanly between frames. */
  async readFrame(maxBytes: number, options: AbortOptions = {}): Promise<Uint8Array | null> {
    const decoder = new VarintDecoder();
    let prefixBytes = 0;
    let length: number | undefined;
    while (length === undefined) {
      const byte = await this.#readExactly(1, options, prefixBytes === 0);
      if (byte === null) return null;
      prefixBytes++;
      length = decoder.push(byte[0]!);
    }
    if (length > maxBytes) {
      throw new ProtocolError(
        WireErrorCode.FrameTooLarge,
        `frame of ${length} bytes exceeds the bound of ${maxBytes} bytes`,
      );
    }
    const body = length === 0 ? new Uint8Array(0) : await this.#readExactly(length, options, false);
    this.#counters?.bytesIn(prefixBytes + length);
    return body ?? new Uint8Array(0);
  }

  /** Writes one frame, waiting for the stream to drain when its buffer is full. */
  async writeFrame(body: Uint8Array, options: AbortOptions = {}): Promise<void> {
    const prefix = encodeVarint(body.byteLength);
    await this.#bytes.write(prefix, options);
    await this.#bytes.write(body, options);
    this.#counters?.bytesOut(prefix.byteLength + body.byteLength);
  }

  async #readExactly(
    count: number,
    options: AbortOptions,
    eofIsClean: boolean,
  ): Promise<Uint8Array | null> {
    try {
      const bytes = (await this.#bytes.read({ ...options, bytes: count })).subarray();
      // A plain Uint8Array view (not a Buffer): values handed on compare and clone like the rest.
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      if ((err as Error)?.name !== 'UnexpectedEOFError') throw err;
      if (eofIsClean) return null;
      throw new ProtocolError(WireErrorCode.Truncated, 'stream ended inside a frame', {
        cause: err,
      });
    }
  }
}
