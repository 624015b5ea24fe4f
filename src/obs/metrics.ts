import { collectDefaultMetrics, Registry } from 'prom-client';

/** Prefix of every Seedling metric name (and of Node's default metrics on our registry). */
export const METRIC_PREFIX = 'seedling_';

export type CreateRegistryInit = {
  /** Also collect Node's default process metrics (CPU, memory, GC, handles), prefixed `seedling_`. Default true. */
  defaultMetrics?: boolean;
  /** Labels added to every metric of this registry (e.g. `{ node: 'a' }` when two nodes share a process). */
  labels?: Record<string, string>;
};

/**
 * A fresh Registry for one node. Components register their metrics on the registry they are
 * given, never on prom-client's global one, so two nodes in one process (tests, benches) keep
 * apart and a component can be created twice without a "metric already registered" error.
 */
export function createRegistry(init: CreateRegistryInit = {}): Registry {
  const registry = new Registry();
  if (init.labels) registry.setDefaultLabels(init.labels);
  if (init.defaultMetrics ?? true) {
    // Node's own event-loop-lag metric samples on a timer; ours (EventLoopLag) uses the C++ histogram instead.
    collectDefaultMetrics({
      register: registry,
      prefix: METRIC_PREFIX,
      eventLoopMonitoringPrecision: 20,
    });
  }
  return registry;
}

/** Current value of a gauge or counter (summed over its label sets), for tests and benches. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels?: Record<string, string>,
): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return undefined;
  const data = await metric.get();
  let sum: number | undefined;
  for (const v of data.values) {
    if (labels && !matches(v.labels as Record<string, unknown>, labels)) continue;
    if ('metricName' in v && v.metricName !== undefined && v.metricName !== name) continue;
    sum = (sum ?? 0) + v.value;
  }
  return sum;
}

function matches(have: Record<string, unknown>, want: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(want)) if (String(have[k]) !== v) return false;
  return true;
}

type LabelValues = Record<string, string>;

type MetricValue = { labels: LabelValues; value: number; metricName?: string };

/** The shape a prom-client Registry needs of a metric (it calls `get()` at scrape time). */
type CollectableMetric = {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: 'sum';
    values: MetricValue[];
  }>;
  reset(): void;
};

/** A counter series of a `LightCounter`: `inc()` is one float add. */
export type LightCounterChild = { inc(by?: number): void };
/** A histogram series of a `LightHistogram`: `observe()` is a short bucket scan and three adds. */
export type LightHistogramChild = { observe(value: number): void };

/**
 * Counters and histograms for hot paths. prom-client hashes the label set on every `inc`/`observe`
 * (about a microsecond each), which alone would eat the tracker's 2% budget; these keep one plain
 * cell per series, bound once with `child(...labelValues)`, and build prom-client's exposition
 * values only when the registry is scraped.
 */
abstract class LightMetric<Cell> implements CollectableMetric {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum' as const;
  protected readonly labelNames: readonly string[];
  protected readonly cells = new Map<string, { labels: LabelValues; cell: Cell }>();

  constructor(
    registry: Registry,
    opts: { name: string; help: string; labelNames?: readonly string[] },
  ) {
    this.name = opts.name;
    this.help = opts.help;
    this.labelNames = opts.labelNames ?? [];
    // prom-client's Registry accepts any object with name/get(); its type names its own classes only.
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  protected cellFor(values: string[], create: () => Cell): Cell {
    const key = values.join('\u0000');
    let entry = this.cells.get(key);
    if (!entry) {
      const labels: LabelValues = {};
      this.labelNames.forEach((n, i) => {
        labels[n] = values[i] ?? '';
      });
      entry = { labels, cell: create() };
      this.cells.set(key, entry);
    }
    return entry.cell;
  }

  protected abstract values(): MetricValue[];

  async get() {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.values(),
    };
  }

  reset(): void {
    this.cells.clear();
  }
}

export class LightCounter extends LightMetric<{ value: number }> {
  readonly type = 'counter' as const;

  child(...labelValues: string[]): LightCounterChild {
    const cell = this.cellFor(labelValues, () => ({ value: 0 }));
    return {
      inc(by = 1) {
        cell.value += by;
      },
    };
  }

  protected values(): MetricValue[] {
    return [...this.cells.values()].map(({ labels, cell }) => ({ labels, value: cell.value }));
  }
}

type HistogramCell = { counts: Float64Array; sum: number; count: number };

export class LightHistogram extends LightMetric<HistogramCell> {
  readonly type = 'histogram' as const;
  readonly #bounds: Float64Array;

  constructor(
    registry: Registry,
    opts: {
      name: string;
      help: string;
      labelNames?: readonly string[];
      buckets: readonly number[];
    },
  ) {
    super(registry, opts);
    this.#bounds = Float64Array.from([...opts.buckets].sort((a, b) => a - b));
  }

  child(...labelValues: string[]): LightHistogramChild {
    const bounds = this.#bounds;
    const cell = this.cellFor(labelValues, () => ({
      counts: new Float64Array(bounds.length),
      sum: 0,
      count: 0,
    }));
    return {
      observe(value: number) {
        let i = 0;
        while (i < bounds.length && value > (bounds[i] as number)) i++;
        if (i < bounds.length) (cell.counts[i] as number)++;
        cell.sum += value;
        cell.count++;
      },
    };
  }

  protected values(): MetricValue[] {
    const out: MetricValue[] = [];
    for (const { labels, cell } of this.cells.values()) {
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += cell.counts[i] ?? 0;
        out.push({
          labels: { ...labels, le: String(le) },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      });
      out.push({
        labels: { ...labels, le: '+Inf' },
        value: cell.count,
        metricName: `${this.name}_bucket`,
      });
      out.push({ labels, value: cell.sum, metricName: `${this.name}_sum` });
      out.push({ labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return out;
  }
}
