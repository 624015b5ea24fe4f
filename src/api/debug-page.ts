import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { TrackedOperation } from '../obs/operation-tracker.ts';

/**
 * `/debug`: a minimal live page for a person watching a storm. It lists every `seedling_` metric
 * with its current values and reloads itself every 2 s; the charts can come later.
 */
export function debugPage(
  metrics: MetricObjectWithValues<MetricValue<string>>[],
  generation: number,
  slowest: TrackedOperation[] = [],
): string {
  const ops = slowest
    .map(
      (o) =>
        `<tr><td>${escapeHtml(o.op)}</td><td>${o.kind}</td><td>${o.waitMs.toFixed(1)}</td><td>${o.runMs.toFixed(1)}</td><td>${o.ok ? 'ok' : 'failed'}</td><td>${new Date(o.at).toISOString()}</td></tr>`,
    )
    .join('\n');
  const rows = metrics
    .filter((m) => m.name.startsWith('seedling_') && !m.name.endsWith('_bucket'))
    .flatMap((m) => m.values.map((v) => row(m.name, v)))
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>Seedling debug</title>
<style>body{font:14px system-ui;margin:2em}td{padding:2px 12px;font-family:monospace}tr:nth-child(odd){background:#f4f4f4}</style>
</head><body>
<h1>Seedling</h1>
<p>Database generation: <b>${generation}</b> · <a href="/metrics">/metrics</a></p>
<h2>Slowest recent operations</h2>
<table><tr><th>op</th><th>kind</th><th>wait ms</th><th>run ms</th><th>result</th><th>at</th></tr>${ops}</table>
<h2>Metrics</h2>
<table>${rows}</table>
</body></html>`;
}

function row(name: string, v: MetricValue<string>): string {
  const labels = Object.entries(v.labels ?? {})
    .map(([k, x]) => `${k}=${String(x)}`)
    .join(' ');
  const metricName = (v as { metricName?: string }).metricName ?? name;
  return `<tr><td>${escapeHtml(metricName)}</td><td>${escapeHtml(labels)}</td><td>${v.value}</td></tr>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
