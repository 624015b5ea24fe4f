import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import {
  createSeedlingNode,
  type SeedlingNode,
  type SeedlingNodeDeps,
  type SeedlingNodeInit,
} from '../../src/net/index.ts';

/** Creates nodes in temp dirs and stops/cleans every one of them at `cleanup()` (no hanging handles). */
export class NodeFixture {
  readonly nodes: SeedlingNode[] = [];
  readonly dirs: string[] = [];

  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'seedling-net-'));
    this.dirs.push(dir);
    return dir;
  }

  async node(
    deps: SeedlingNodeDeps = {},
    init: Partial<SeedlingNodeInit> = {},
  ): Promise<SeedlingNode> {
    const node = await createSeedlingNode(deps, {
      dataDir: init.dataDir ?? this.tempDir(),
      ...init,
    });
    this.nodes.push(node);
    return node;
  }

  async stop(node: SeedlingNode): Promise<void> {
    await node.stop();
    this.nodes.splice(this.nodes.indexOf(node), 1);
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    this.nodes.length = 0;
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.dirs.length = 0;
  }
}

/** Current value of a counter/gauge sample with exactly these labels (0 when absent). */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} not registered`);
  const { values } = await metric.get();
  const match = values.find((v) =>
    Object.entries(labels).every(
      ([k, val]) => String((v.labels as Record<string, unknown>)[k]) === val,
    ),
  );
  return match?.value ?? 0;
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
