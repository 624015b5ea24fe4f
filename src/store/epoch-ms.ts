/**
 * Wall-clock milliseconds with sub-millisecond precision that mean the same in every thread
 * (`performance.now()` alone counts from each thread's own start), for times written by one
 * thread and read by another: reader slots, the sync hold's deadline.
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
