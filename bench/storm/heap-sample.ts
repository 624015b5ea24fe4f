/**
 * Allocation sampling of the node's main thread during the storm, for finding what drives its
 * young-generation GC. Set STORM_HEAP_SAMPLE=<file.heapprofile>; off by default.
 * Unlike `--heap-prof` (which keeps only the samples still alive at exit), this counts objects the
 * GC already collected, so the profile shows the allocation rate by function.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

export class HeapSampler {
  readonly #file: string | undefined = process.env.STORM_HEAP_SAMPLE;
  #session: Session | null = null;

  async start(): Promise<void> {
    if (!this.#file) return;
    this.#session = new Session();
    this.#session.connect();
    await this.#session.post('HeapProfiler.startSampling', {
      samplingInterval: 16384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }

  async stop(): Promise<void> {
    const session = this.#session;
    if (!session || !this.#file) return;
    this.#session = null;
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(this.#file, JSON.stringify(profile));
    session.disconnect();
  }
}
