/**
 * Defaults for every setting, in one place. Components take these as defaults of their `init`
 * argument; configuration overrides them. Each subsystem keeps its own section.
 */

// ---- blob layer ------------------------------------------------------------------------------

/** Largest blob accepted, checked before hashing (BLOBS.md). */
export const MAX_BLOB_BYTES = 2 * 1024 * 1024;

// ---- store -----------------------------------------------------------------------------------

// ---- index / api -----------------------------------------------------------------------------

// ---- sync / net ------------------------------------------------------------------------------

/** libp2p protocol ID of the Seedling sync protocol; the version lives here (multistream-select negotiates it). */
export const SYNC_PROTOCOL_ID = '/seedling/sync/1.0.0';
/** Default listen address: loopback, OS-chosen port (tests and a first run); configuration overrides it. */
export const NET_DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0'];
/** File (inside the data dir) holding the node's Ed25519 libp2p key, protobuf-encoded, mode 0600. */
export const PEER_KEY_FILE = 'peer-key';
/** Connection manager: open connections kept before libp2p prunes (DESIGN §5 asks few peers at a time). */
export const NET_MAX_CONNECTIONS = 64;
/** Dials running at once, across all peers. */
export const NET_MAX_PARALLEL_DIALS = 16;
/** One whole dial (socket + Noise + Yamux upgrade). */
export const DIAL_TIMEOUT_MS = 10_000;
/** Inbound connections still upgrading at once; the rest are refused (a cheap flood guard). */
export const NET_MAX_INCOMING_PENDING = 16;
/** Inbound connections accepted per second from one host. */
export const NET_INBOUND_CONNECTION_THRESHOLD = 10;

/** Largest frame body for everything except a FetchReply (ReconcileRequest/Reply, FetchRequest, Announce...). */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Largest FetchReply frame body; the responder packs blobs until this bound and the requester asks again for the rest. */
export const MAX_FETCH_REPLY_FRAME_BYTES = 4 * 1024 * 1024;
/** CIDs in one FetchRequest / Announce. */
export const MAX_CIDS_PER_MESSAGE = 1024;
/** Bytes of a scope string (opaque to the net layer; the sync engine defines its grammar). */
export const MAX_SCOPE_BYTES = 1024;
/** Bytes of an Error message's text (code: 64). */
export const MAX_ERROR_MESSAGE_BYTES = 1024;
/** A peer must deliver its whole request frame within this time after opening a stream (also bounds writing our reply). */
export const FRAME_READ_TIMEOUT_MS = 10_000;
/** Local handler (reconcile/fetch) deadline for an inbound request; past it the peer gets Error TIMEOUT. */
export const INBOUND_HANDLER_TIMEOUT_MS = 20_000;
/** Outbound request deadline (open stream, write, read the reply) when the caller gives none. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Inbound reconciles served at once, across peers; more are answered Busy at once (they are CPU-heavy). */
export const MAX_INBOUND_RECONCILES = 8;
/** Inbound fetches served at once, across peers; more are answered Busy at once. */
export const MAX_INBOUND_FETCHES = 8;
/** Inbound reconciles (and, separately, fetches) one peer may have running at once; more get Busy. */
export const MAX_INBOUND_PER_PEER = 2;
/** Retry hint carried by Busy. */
export const BUSY_RETRY_AFTER_MS = 1_000;
/** Streams of the sync protocol open at once per connection, each direction (libp2p's per-protocol limit). */
export const SYNC_MAX_STREAMS_PER_CONNECTION = 16;
/** Protocol errors from one peer after which it is disconnected and backed off for the maximum time. */
export const HOSTILE_DISCONNECT_THRESHOLD = 10;

/** Peer backoff after the first failure; doubles per consecutive failure. */
export const PEER_BACKOFF_BASE_MS = 1_000;
/** Peer backoff cap. */
export const PEER_BACKOFF_MAX_MS = 10 * 60_000;
/** Jitter fraction: the backoff is drawn uniformly from [d·(1−j), d]. */
export const PEER_BACKOFF_JITTER = 0.5;
/** Peers held in memory (least recently seen non-bootstrap peers are evicted beyond it). */
export const PEER_TABLE_MAX_PEERS = 2_000;
/** Multiaddrs remembered per peer. */
export const PEER_MAX_ADDRS = 8;
/** How often dirty peer rows go to the store's `background` class. */
export const PEER_PERSIST_INTERVAL_MS = 2_000;
