import { documentIri } from '../../blob/hm-id.ts';
import type { Subscription } from '../../sync/subscriptions.ts';
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { clientFor } from '../http-client.ts';

const usage = `Usage:
  seedling subscribe hm://<account>[/<path>] [--recursive none|children|subtree] [--server URL]
  seedling subscribe --remove hm://<account>[/<path>] [--server URL]
  seedling subscribe --list [--server URL]

A subscription is refreshed on an interval as a background discovery (default every 5 minutes;
the first refresh starts at once). --recursive defaults to subtree: the whole space below the path.
`;

export const subscribeCommand: Command = {
  words: ['subscribe'],
  summary: 'follow a space or subtree: keep it synced in the background',
  usage,
  async run(args) {
    const { values, positionals } = parse(args);
    const client = clientFor(values.server);
    if (values.list) {
      const { subscriptions } = await client.get<{ subscriptions: Subscription[] }>(
        'ListSubscriptions',
      );
      for (const s of subscriptions) {
        process.stdout.write(`${documentIri(s.account, s.path)}  ${s.recursive}\n`);
      }
      return 0;
    }
    const [iri, ...extra] = positionals;
    if (!iri?.startsWith('hm://') || extra.length > 0) {
      throw new UsageError('give exactly one hm:// ID (or --list)');
    }
    if (values.remove) {
      const { removed } = await client.post<{ removed: boolean }>('Unsubscribe', { id: iri });
      process.stdout.write(removed ? `unsubscribed ${iri}\n` : `${iri} was not subscribed\n`);
      return removed ? 0 : 1;
    }
    const sub = await client.post<Subscription>('Subscribe', {
      id: iri,
      recursive: values.recursive ?? 'subtree',
    });
    process.stdout.write(`subscribed hm://${sub.account}${sub.path} (${sub.recursive})\n`);
    return 0;
  },
};

function parse(args: string[]) {
  return parseCommandArgs(args, {
    server: { type: 'string' },
    recursive: { type: 'string' },
    remove: { type: 'boolean' },
    list: { type: 'boolean' },
  });
}
