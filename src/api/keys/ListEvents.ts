import { documentIri } from '../../blob/hm-id.ts';
import { API_DEFAULT_PAGE_SIZE, API_EVENTS_PAGE_SIZE, API_MAX_PAGE_SIZE } from '../../constants.ts';
import type {
  EventRow,
  EventPage as IndexEventPage,
  ListEventsArgs,
} from '../../index/read-types.ts';
import type { ApiKey, ApiStore } from '../api-key.ts';
import type { EventPage } from '../event-stream.ts';
import { optionalString, optionalStringArray, pageSize } from '../query-params.ts';
import { hmIdInput, joinPath, timestamp, type WireTimestamp } from '../wire-ids.ts';

/** A feed event in the shape of Seed's activity `Event` (a `newBlob` event). */
export type WireEvent = {
  newBlob: {
    cid: string;
    blobType: string;
    author: string;
    resource: string;
    extraAttrs: string;
    blobId: string;
    isPinned: boolean;
  };
  account: string;
  eventTime: WireTimestamp;
  observeTime: WireTimestamp;
};

type Output = { events: WireEvent[]; nextPageToken: string };

/**
 * `ListEvents`: the feed, newest first, paged by keyset in the index (never OFFSET). `events` and
 * `nextPageToken` are always present; the token is '' at the end.
 */
export const ListEventsKey: ApiKey<ListEventsArgs, Output> = {
  key: 'ListEvents',
  method: 'GET',
  params: {
    pageSize: 'number',
    pageToken: 'string',
    trustedOnly: 'boolean',
    filterAuthors: 'json',
    filterEventType: 'json',
    filterResource: 'string',
    currentAccount: 'string',
    order: 'string',
  },
  toInput: listEventsArgs,
  cacheable: true,
  renderInPool: true,
  // The unfiltered feed page is a bounded walk of the keyset index; filters may scan, so they go to the pool.
  pointLookup: (input) =>
    !input.filterAuthors?.length && !input.filterEventType?.length && !input.filterResource,
  async run(ctx, args) {
    const page = await readEvents(ctx.store, args, ctx.signal);
    return { events: page.events.map(wireEvent), nextPageToken: page.nextPageToken ?? '' };
  },
};

function listEventsArgs(params: Record<string, unknown>): ListEventsArgs {
  const args: ListEventsArgs = {
    pageSize: pageSize(params, 'pageSize', API_DEFAULT_PAGE_SIZE, API_MAX_PAGE_SIZE),
  };
  const token = optionalString(params, 'pageToken');
  if (token) args.pageToken = token;
  const authors = optionalStringArray(params, 'filterAuthors');
  if (authors?.length) args.filterAuthors = authors;
  const types = optionalStringArray(params, 'filterEventType');
  if (types?.length) args.filterEventType = types;
  const resource = optionalString(params, 'filterResource');
  if (resource) {
    const id = hmIdInput(resource, 'filterResource');
    args.filterResource = { account: id.uid, path: joinPath(id.path) };
  }
  // trustedOnly, currentAccount and order (claimed time) are accepted and not applied yet:
  // every event is observed-time ordered and this node has no trust list.
  return args;
}

function readEvents(
  store: ApiStore,
  args: ListEventsArgs,
  signal?: AbortSignal,
  op = 'api.ListEvents',
) {
  return store.read<IndexEventPage>({
    op,
    handler: 'index.listEvents',
    args,
    signal,
  });
}

export function wireEvent(row: EventRow): WireEvent {
  const account = row.account ?? row.author;
  return {
    newBlob: {
      cid: row.cid,
      blobType: row.type,
      author: row.author,
      resource: row.account ? documentIri(row.account, row.path ?? '') : '',
      extraAttrs: row.extra ?? '',
      blobId: String(row.id),
      isPinned: false,
    },
    account,
    eventTime: timestamp(row.eventTime),
    observeTime: timestamp(row.observedTime),
  };
}

/** The SSE hub's feed reader: newest-first pages of wire events, identified by row id. */
export function feedPage(store: ApiStore) {
  return async (pageToken: string | undefined): Promise<EventPage> => {
    const args: ListEventsArgs = { pageSize: API_EVENTS_PAGE_SIZE };
    if (pageToken) args.pageToken = pageToken;
    const page = await readEvents(store, args, undefined, 'api.events');
    return {
      events: page.events.map((row) => ({ id: String(row.id), data: wireEvent(row) })),
      nextPageToken: page.nextPageToken,
    };
  };
}
