import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Request metrics of the HTTP API, registered on the node's registry (never the global one). */
export type ApiMetrics = {
  /** Latency per key and status class (`2xx`, `304`, `4xx`, `5xx`). */
  requestSeconds: Histogram<'key' | 'status'>;
  /** Answers served as 304: `by` generation (no database work) or by an unchanged body (etag.ts). */
  notModified: Counter<'key' | 'by'>;
  sseClients: Gauge;
  /** Events pushed to SSE clients (counted once per event, not per client). */
  sseEvents: Counter;
  /** `index.listEvents` calls made by the shared SSE poller. */
  ssePolls: Counter;
};

export function apiMetrics(registry: Registry): ApiMetrics {
  return {
    requestSeconds: new Histogram({
      name: 'seedling_api_request_duration_seconds',
      help: 'HTTP API request latency by key and status class',
      labelNames: ['key', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    notModified: new Counter({
      name: 'seedling_api_not_modified_total',
      help: 'GET answers served as 304 Not Modified: by generation (without a query) or by body (rendered, unchanged)',
      labelNames: ['key', 'by'],
      registers: [registry],
    }),
    sseClients: new Gauge({
      name: 'seedling_api_sse_clients',
      help: 'Server-Sent Events clients connected to /api/events',
      registers: [registry],
    }),
    sseEvents: new Counter({
      name: 'seedling_api_sse_events_total',
      help: 'Feed events pushed over /api/events',
      registers: [registry],
    }),
    ssePolls: new Counter({
      name: 'seedling_api_sse_polls_total',
      help: 'index.listEvents reads made by the shared SSE poller after the generation moved',
      registers: [registry],
    }),
  };
}

/** `200` → `2xx`; 304 kept apart because it is the cheap path the ETag exists for. */
export function statusClass(status: number): string {
  if (status === 304) return '304';
  return `${Math.floor(status / 100)}xx`;
}
