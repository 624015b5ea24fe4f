/** Byte-wise order of two byte strings; on a common prefix the shorter sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return compareBytesAt(a, 0, a.byteLength, b);
}

/** {@link compareBytes} of `a[start, end)` against `b`, without making a view of `a`'s range. */
export function compareBytesAt(a: Uint8Array, start: number, end: number, b: Uint8Array): number {
  const length = end - start;
  const n = Math.min(length, b.byteLength);
  for (let i = 0; i < n; i++) {
    const d = a[start + i]! - b[i]!;
    if (d !== 0) return d;
  }
  return length - b.byteLength;
}
