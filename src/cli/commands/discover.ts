/**
 * `seedling discover hm://…`: ask a node to find a resource on the network and follow the task
 * until it ends. Each poll re-asks `POST /api/Discover`, which joins the same task and renews its
 * heartbeat, so the task stays hot exactly as long as this command watches it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DiscoveryProgress } from '../../sync/discovery/discovery-task.ts';
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { clientFor, toJsonText } from '../http-client.ts';

const usage = `Usage:
  seedling discover hm://<account>[/<path>][?v=<version>] [--server URL] [--recursive none|children|subtree]
                    [--version V] [--timeout SECONDS] [--json]

Starts (or joins) a discovery task on the node and prints its progress until it ends: peers asked,
blobs fetched, and the version found. Exit code 0 when the task is done, 1 when it failed or
expired, or when --timeout (default 60) passed first.
`;

const FINISHED = new Set(['done', 'failed', 'expired']);
const POLL_MS = 1_000;

export const discoverCommand: Command = {
  words: ['discover'],
  summary: 'find a document on the network through a node, and follow the task',
  usage,
  async run(args) {
    const { values, positionals } = parse(args);
    const [iri, ...extra] = positionals;
    if (!iri?.startsWith('hm://') || extra.length > 0) {
      throw new UsageError('give exactly one hm:// ID');
    }
    const client = clientFor(values.server);
    const body = {
      id: iri,
      recursive: values.recursive ?? 'none',
      ...(values.version ? { version: values.version } : {}),
    };
    const deadline = Date.now() + Number(values.timeout ?? 60) * 1000;
    let last = '';
    for (;;) {
      const p = await client.post<DiscoveryProgress>('Discover', body);
      const line = values.json ? toJsonText(p) : describe(p);
      if (line !== last) process.stdout.write(`${line}\n`);
      last = line;
      if (FINISHED.has(p.state)) return p.state === 'done' ? 0 : 1;
      if (Date.now() > deadline) {
        process.stderr.write(`still ${p.state} after ${values.timeout ?? 60} s; giving up\n`);
        return 1;
      }
      await sleep(POLL_MS);
    }
  },
};

function describe(p: DiscoveryProgress): string {
  const parts = [
    p.state,
    `peers ${p.peersOk}/${p.peersAsked} ok`,
    `blobs ${p.blobsFetched}/${p.blobsWanted}`,
  ];
  if (p.resultVersion) parts.push(`version ${p.resultVersion}`);
  if (p.lastError) parts.push(`last error: ${p.lastError}`);
  return parts.join(', ');
}

function parse(args: string[]) {
  const parsed = parseCommandArgs(args, {
    server: { type: 'string' },
    recursive: { type: 'string' },
    version: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  const r = parsed.values.recursive;
  if (r !== undefined && !['none', 'children', 'subtree'].includes(r)) {
    throw new UsageError('--recursive must be none, children or subtree');
  }
  const t = parsed.values.timeout;
  if (t !== undefined && !(Number(t) > 0)) {
    throw new UsageError('--timeout must be a positive number');
  }
  return parsed;
}
