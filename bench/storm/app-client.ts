import http from 'node:http';
import * as dagCbor from '@ipld/dag-cbor';
import superjson from 'superjson';
import { epochMs } from '../../src/store/epoch-ms.ts';

/**
 * How the simulated app sends its requests:
 *   http  — node:http with keep-alive, 6 connections (the default). The client costs the app's
 *           thread little, as a browser's does: Chromium runs HTTP in its network process, off the
 *           page's thread, with at most 6 connections per host.
 *   fetch — Node's global fetch (undici), which runs the whole HTTP client in JavaScript on the
 *           app's one thread; measured in the storm, it doubled ResourceMetadata's median.
 */
export type AppHttp = 'http' | 'fetch';
export const APP_HTTP: readonly AppHttp[] = ['http', 'fetch'];

const BROWSER_CONNECTIONS_PER_HOST = 6;

/** `queuedMs`: how long the request waited in the app for one of its connections. */
type HttpAnswer = { status: number; text: string; etag: string | null; queuedMs: number };

/**
 * Latency samples per call name, plus failures (non-2xx other than 304, or a thrown fetch). Each
 * call has two latencies: the whole call as the app sees it, and its time on the wire — from the
 * moment the request had a connection to the end of the answer. The difference is the app's own
 * wait for one of its 6 connections (behind its other calls), which the node does not see.
 */
export class CallRecorder {
  /** Per call name: [time the call ended (epoch ms, {@link epochMs}), latency ms, wire ms]. */
  readonly samples = new Map<string, [number, number, number][]>();
  readonly failures = new Map<string, number>();
  readonly statuses = new Map<string, number>();

  /** The recorder of another process, from what it sent (bench/storm/app-child.ts). */
  static fromReport(report: {
    samples: [string, [number, number, number][]][];
    failures: [string, number][];
    statuses: [string, number][];
  }): CallRecorder {
    const recorder = new CallRecorder();
    for (const [name, list] of report.samples) recorder.samples.set(name, list);
    for (const [name, n] of report.failures) recorder.failures.set(name, n);
    for (const [key, n] of report.statuses) recorder.statuses.set(key, n);
    return recorder;
  }

  record(name: string, ms: number, status: number, wireMs = ms): void {
    let list = this.samples.get(name);
    if (list === undefined) {
      list = [];
      this.samples.set(name, list);
    }
    list.push([epochMs(), ms, wireMs]);
    const key = `${name} ${status}`;
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
    if (status !== 304 && (status < 200 || status > 299)) {
      this.failures.set(name, (this.failures.get(name) ?? 0) + 1);
    }
  }

  /** Percentiles of the calls that ended in [from, to) (epoch ms; all by default). */
  summary(name: string, from = 0, to = Number.POSITIVE_INFINITY): CallSummary {
    const inWindow = (this.samples.get(name) ?? []).filter(([t]) => t >= from && t < to);
    const total = percentiles(inWindow.map(([, ms]) => ms));
    return {
      n: inWindow.length,
      ...total,
      wire: percentiles(inWindow.map(([, , wire]) => wire)),
      failed: this.failures.get(name) ?? 0,
    };
  }
}

type Percentiles = { p50: number; p90: number; p99: number; max: number };

export function percentiles(values: number[]): Percentiles {
  const list = values.sort((a, b) => a - b);
  const at = (q: number) => (list.length ? list[Math.max(0, Math.ceil(q * list.length) - 1)]! : 0);
  return {
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(list.at(-1) ?? 0),
  };
}

export type CallSummary = Percentiles & {
  n: number;
  /** The same calls on the wire only (see {@link CallRecorder}). */
  wire: Percentiles;
  failed: number;
};

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * The simulated app's HTTP client, as a browser/Electron app behaves against the node: GETs go
 * with `If-None-Match` carrying the last ETag seen for that exact URL (the node answers
 * `cache-control: no-cache` + ETag, so a browser revalidates every time), POSTs carry DAG-CBOR
 * bodies, and answers are superjson. Each call's wall time (request to body read) is recorded.
 */
export class AppClient {
  readonly #base: string;
  readonly #recorder: CallRecorder;
  readonly #etags = new Map<string, { etag: string; value: unknown }>();
  readonly #transport: AppHttp;
  /**
   * Connections kept open between calls, at most 6 to the node: Chromium's limit per host for
   * HTTP/1.1, which Seed's desktop app (Electron) runs under. Calls beyond it wait in the app, as
   * they would there; that wait counts in their latency. (Measured: without the limit the card
   * bursts reach the node all at once and the feed polls behind them had p99 33–42 ms; with it
   * 18–21 ms, at a higher ResourceMetadata median: 8–10 ms against 5–6.)
   */
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: BROWSER_CONNECTIONS_PER_HOST });

  constructor(base: string, recorder: CallRecorder, transport: AppHttp = 'http') {
    this.#base = base;
    this.#recorder = recorder;
    this.#transport = transport;
  }

  /** GET `/api/<key>`; answers the decoded value (the cached one on 304), or null on failure. */
  async get<T>(key: string, params: Record<string, string>, name = key): Promise<T | null> {
    const url = `${this.#base}/api/${key}?${new URLSearchParams(params)}`;
    const cached = this.#etags.get(url);
    const headers: Record<string, string> = cached ? { 'if-none-match': cached.etag } : {};
    const start = performance.now();
    let status = 0;
    try {
      const res = await this.#send(url, 'GET', headers);
      status = res.status;
      const text = res.text;
      const ms = performance.now() - start;
      this.#recorder.record(name, ms, status, ms - res.queuedMs);
      if (status === 304 && cached) return cached.value as T;
      if (status !== 200) return null;
      const value = superjson.parse(text);
      const etag = res.etag;
      if (etag) this.#etags.set(url, { etag, value });
      return value as T;
    } catch {
      if (status === 0) this.#recorder.record(name, performance.now() - start, 0);
      return null;
    }
  }

  /** POST `/api/<key>` with a DAG-CBOR body; answers the decoded value or null on failure. */
  async post<T>(key: string, body: unknown, name = key): Promise<T | null> {
    const start = performance.now();
    let status = 0;
    try {
      const res = await this.#send(
        `${this.#base}/api/${key}`,
        'POST',
        { 'content-type': 'application/cbor' },
        dagCbor.encode(body),
      );
      status = res.status;
      const text = res.text;
      const ms = performance.now() - start;
      this.#recorder.record(name, ms, status, ms - res.queuedMs);
      return status === 200 ? (superjson.parse(text) as T) : null;
    } catch {
      if (status === 0) this.#recorder.record(name, performance.now() - start, 0);
      return null;
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  async #send(
    url: string,
    method: 'GET' | 'POST',
    headers: Record<string, string>,
    body?: Uint8Array,
  ): Promise<HttpAnswer> {
    if (this.#transport === 'fetch') {
      // fetch does not say when it had a connection: its wire time is the whole call.
      const res = await fetch(url, { method, headers, ...(body ? { body } : {}) });
      const text = await res.text();
      return { status: res.status, text, etag: res.headers.get('etag'), queuedMs: 0 };
    }
    const asked = performance.now();
    let queuedMs = 0;
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () => {
          const etag = res.headers.etag;
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            etag: typeof etag === 'string' ? etag : null,
            queuedMs,
          });
        });
      });
      // 'socket' fires when the agent hands this request a connection (at once when one is free).
      req.once('socket', () => {
        queuedMs = performance.now() - asked;
      });
      req.once('error', reject);
      req.end(body);
    });
  }
}
