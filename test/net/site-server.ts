import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A web server on 127.0.0.1 standing in for a Seed site's `/hm/api/config` (plain HTTP: the node's
 * checks use `https` in production, and this machine has no certificate a client would trust).
 * `answers` is consumed one per request; the last one repeats. A `hang` answer never responds.
 */
export type SiteAnswer = { status: number; body?: unknown } | 'hang';

export async function startSiteServer(answers: SiteAnswer[]) {
  const queue = [...answers];
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const answer = queue.length > 1 ? queue.shift()! : queue[0]!;
    if (answer === 'hang') return;
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    domain: `127.0.0.1:${port}`,
    seen,
    set(next: SiteAnswer[]) {
      queue.splice(0, queue.length, ...next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
