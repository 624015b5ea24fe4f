import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { DiscoveryPort } from './api-key.ts';
import type { EventStreamHub } from './event-stream.ts';
import { httpErrorOf } from './http-errors.ts';
import { DISCOVERY_OFF } from './keys/Discover.ts';

/** Bytes a stream client may leave unread before it is cut off (never buffered without bound). */
const MAX_UNREAD_BYTES = 1024 * 1024;

/**
 * Server-Sent Events routes, beyond Seed's API: `GET /api/events` (new feed events, one shared
 * poller: event-stream.ts) and `GET /api/Discover/events` (progress of every discovery task).
 * Both take over the raw response; the server's close ends them first, since open streams would
 * otherwise hold `close()` forever.
 */
export function registerStreamRoutes(
  app: FastifyInstance,
  events: EventStreamHub,
  discovery: DiscoveryPort | undefined,
): void {
  const discoverStreams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    events.close();
    for (const res of discoverStreams) res.end();
  });
  app.get('/api/events', async (_req, reply) => {
    reply.hijack();
    try {
      await events.attach(reply.raw);
    } catch (err) {
      const e = httpErrorOf(err);
      reply.raw.writeHead(e.status, { 'content-type': 'application/json' });
      reply.raw.end(JSON.stringify({ error: e.message }));
    }
  });
  app.get('/api/Discover/events', async (_req, reply) => {
    reply.hijack();
    discoverStreams.add(reply.raw);
    reply.raw.on('close', () => discoverStreams.delete(reply.raw));
    discoveryEvents(reply.raw, discovery);
  });
}

function discoveryEvents(res: ServerResponse, discovery: DiscoveryPort | undefined): void {
  if (!discovery) {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '60' });
    res.end(JSON.stringify({ error: DISCOVERY_OFF }));
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.write(': connected\n\n');
  const off = discovery.onProgress((p) => {
    if (res.writableLength > MAX_UNREAD_BYTES) res.destroy();
    else res.write(`event: progress\ndata: ${JSON.stringify(p)}\n\n`);
  });
  res.on('close', off);
}
