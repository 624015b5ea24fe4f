/**
 * A read handler's answer whose buffers move to the caller instead of being copied
 * (reader-worker.ts hands them to `postMessage` as its transfer list).
 */
const TRANSFER = Symbol.for('seedling.transfer');

export type Transferring = { [TRANSFER]: ArrayBuffer[]; value: unknown };

/** Wraps `value` so that `buffers` (which it must not share with anything kept) are moved. */
export function transferring(value: unknown, buffers: ArrayBuffer[]): Transferring {
  return { [TRANSFER]: buffers, value };
}

/** The value and the buffers to move (none for a plain value). */
export function splitTransfer(out: unknown): { value: unknown; transfer: ArrayBuffer[] } {
  if (typeof out === 'object' && out !== null && TRANSFER in out) {
    const t = out as Transferring;
    return { value: t.value, transfer: t[TRANSFER] };
  }
  return { value: out, transfer: [] };
}

/**
 * `view` when it spans its whole ArrayBuffer (so moving that buffer takes nothing else along),
 * else a copy: a view into a shared or pooled buffer must never be detached.
 */
export function ownedView(view: Uint8Array): Uint8Array {
  const whole =
    view.buffer instanceof ArrayBuffer &&
    view.byteOffset === 0 &&
    view.byteLength === view.buffer.byteLength;
  return whole ? view : view.slice();
}
