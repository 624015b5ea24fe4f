import { CLI_FEED_PAGE_SIZE, DEFAULT_HTTP_URL } from '../../constants.ts';
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { clientFor, type SeedApiClient, toJsonText } from '../http-client.ts';

const usage = `Usage:
  seedling feed [--server URL] [--limit N] [--pages N] [--json] [--follow [--max-events N]]

Prints the newest feed events (ListEvents), one per line: time, type, author, resource.

Options:
  --server URL      the node's HTTP API (default ${DEFAULT_HTTP_URL}, or SEEDLING_SERVER)
  --limit N         events per page (default ${CLI_FEED_PAGE_SIZE})
  --pages N         pages to read, following nextPageToken (default 1)
  --json            print each event as one line of JSON
  --follow          then keep printing new events as the node indexes them (GET /api/events,
                    Server-Sent Events) until interrupted
  --max-events N    with --follow: stop after N new events (for scripts)
`;

type ListEventsAnswer = { events: unknown[]; nextPageToken: string };

export const feedCommand: Command = {
  words: ['feed'],
  summary: "print a node's activity feed; --follow streams new events",
  usage,
  async run(args) {
    const values = parse(args);
    const limit = positiveInt(values.limit, '--limit', CLI_FEED_PAGE_SIZE);
    const pages = positiveInt(values.pages, '--pages', 1);
    const maxEvents = positiveInt(values['max-events'], '--max-events', Number.POSITIVE_INFINITY);
    const client = clientFor(values.server);
    const print = (event: unknown) =>
      process.stdout.write(`${values.json ? toJsonText(event) : summarize(event)}\n`);
    let token = '';
    for (let page = 0; page < pages; page++) {
      const input = token ? { pageSize: limit, pageToken: token } : { pageSize: limit };
      const answer = await client.get<ListEventsAnswer>('ListEvents', input);
      for (const event of answer.events) print(event);
      token = answer.nextPageToken;
      if (!token) break;
    }
    if (values.follow) await follow(client, print, maxEvents);
    return 0;
  },
};

/** Streams new events until Ctrl-C (or `maxEvents`); an interrupt is a normal end (exit 0). */
async function follow(
  client: SeedApiClient,
  print: (event: unknown) => void,
  maxEvents: number,
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let count = 0;
    for await (const e of client.events(stop.signal)) {
      if (e.event !== 'event') continue;
      print(e.data);
      if (++count >= maxEvents) break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stop.abort();
  }
}

/** `time  type  author  resource`, from whichever of Seed's field names the event carries. */
export function summarize(event: unknown): string {
  const e = (event ?? {}) as Record<string, unknown>;
  const inner = firstObject(e, ['newBlob', 'newMention', 'data', 'blob']) ?? {};
  const pick = (names: string[]) => {
    for (const n of names) {
      const v = e[n] ?? inner[n];
      if (v !== undefined && v !== null && v !== '') return v;
    }
    return undefined;
  };
  const time = pick(['eventTime', 'observeTime', 'observedTime', 'createTime', 'time']);
  const fields = [
    formatTime(time),
    pick(['blobType', 'eventType', 'type']),
    pick(['author', 'account']),
    pick(['resource', 'id', 'cid']),
  ];
  return fields.map((f) => (f === undefined ? '-' : textOf(f))).join('  ');
}

function firstObject(e: Record<string, unknown>, names: string[]) {
  for (const n of names) {
    const v = e[n];
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  }
  return undefined;
}

function formatTime(t: unknown): string | undefined {
  if (t instanceof Date) return t.toISOString();
  if (typeof t === 'number') return new Date(t).toISOString();
  const seconds = (t as { seconds?: unknown } | undefined)?.seconds;
  if (typeof seconds === 'number' || typeof seconds === 'bigint') {
    return new Date(Number(seconds) * 1000).toISOString();
  }
  return typeof t === 'string' ? t : undefined;
}

function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string') {
    return (v as { id: string }).id;
  }
  return toJsonText(v);
}

function parse(args: string[]) {
  const { values, positionals } = parseCommandArgs(args, {
    server: { type: 'string' },
    limit: { type: 'string' },
    pages: { type: 'string' },
    json: { type: 'boolean' },
    follow: { type: 'boolean' },
    'max-events': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  return values;
}

function positiveInt(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer`);
  return n;
}
