/** Public face of the net layer: the libp2p node, the sync protocol, the peer table. */
export { NetMetrics, netMetrics } from './net-metrics.ts';
export {
  createSeedlingNode,
  dialTargetOf,
  type SeedlingNode,
  type SeedlingNodeDeps,
  type SeedlingNodeInit,
} from './node.ts';
export { loadOrCreatePeerKey } from './peer-key.ts';
export {
  type PeerRecord,
  type PeerStore,
  PeerTable,
  type PeerTableDeps,
  type PeerTableInit,
} from './peer-table.ts';
export { FrameStream } from './protocol/frame-stream.ts';
export {
  type Announce,
  type Busy,
  decodeMessage,
  type ErrorMessage,
  encodeMessage,
  type FetchedBlob,
  type FetchReply,
  type FetchRequest,
  MessageType,
  maxFrameFor,
  type ReconcileReply,
  type ReconcileRequest,
  type SyncMessage,
} from './protocol/messages.ts';
export { packBlobs } from './protocol/serve-request.ts';
export {
  type RequestOptions,
  type SyncHandlers,
  SyncProtocol,
  type SyncProtocolDeps,
  type SyncProtocolInit,
  type SyncRequest,
} from './protocol/sync-protocol.ts';
export { encodeVarint, rejectReason, WireErrorCode } from './protocol/wire.ts';

/** URL of the net store extension, to pass to `openStore({ extensions })`. */
export const netStoreExtension = new URL('./store-extension.ts', import.meta.url);
