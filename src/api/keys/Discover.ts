import { InvalidInputError, SeedlingError } from '../../errors.ts';
import type { DiscoveryRequest } from '../../sync/discovery/discovery-request.ts';
import type { DiscoveryProgress } from '../../sync/discovery/discovery-task.ts';
import type { ApiKey } from '../api-key.ts';
import { asObject, optionalString } from '../query-params.ts';

/** Said when this node runs without p2p: there is nobody to discover from. */
export const DISCOVERY_OFF = 'discovery is not running on this node (started without p2p)';

const RECURSIVE = ['none', 'children', 'subtree'] as const;

/**
 * `POST /api/Discover` (Seedling's own): start a discovery task for `{id, version?, recursive?}`
 * or join the one running for the same key, and answer its progress at once. Progress then
 * streams on `GET /api/Discover/events`; `DiscoveryStatus` reads the same task.
 */
export const DiscoverKey: ApiKey<DiscoveryRequest, DiscoveryProgress> = {
  key: 'Discover',
  method: 'POST',
  ownKey: true,
  cacheable: false,
  checkBody: (body) => {
    const o = asObject(body, 'body');
    const iri = optionalString(o, 'id') ?? optionalString(o, 'iri');
    if (!iri) throw new InvalidInputError('is required (an hm:// ID)', { field: 'id' });
    const recursive = o.recursive ?? 'none';
    if (!RECURSIVE.includes(recursive as (typeof RECURSIVE)[number])) {
      throw new InvalidInputError(`must be one of ${RECURSIVE.join(', ')}`, { field: 'recursive' });
    }
    const req: DiscoveryRequest = {
      iri,
      recursive: recursive as DiscoveryRequest['recursive'],
      hot: o.hot !== false,
    };
    const version = optionalString(o, 'version');
    if (version) req.version = version;
    return req;
  },
  async run(ctx, req) {
    if (!ctx.discovery) throw new SeedlingError('DISCOVERY_UNAVAILABLE', DISCOVERY_OFF);
    return ctx.discovery.discover(req);
  },
};
