/**
 * Defaults for every setting, in one place. Components take these as defaults of their `init`
 * argument; configuration overrides them. Each subsystem keeps its own section.
 */

// ---- blob layer ------------------------------------------------------------------------------

/** Largest blob accepted, checked before hashing (BLOBS.md). */
export const MAX_BLOB_BYTES = 2 * 1024 * 1024;
/** Signers' KeyObjects (Ed25519 and P-256) kept for verification (LRU); a node sees few distinct signers at a time. */
export const ED25519_KEY_CACHE_SIZE = 1024;
/** Account IDs kept decoded (LRU, each direction): every API call naming a document parses one. */
export const ACCOUNT_ID_CACHE_SIZE = 1024;

// ---- store: writer and admission queue (src/store) ------------------------------------------

/** Jobs waiting in the `interactive` class; beyond it `write()` throws OverloadError at once (API: 503). */
export const WRITE_INTERACTIVE_QUEUE_MAX = 256;
/** Jobs waiting in the `sync` class; beyond it `write()` waits for room (back-pressure on fetching). */
export const WRITE_SYNC_QUEUE_MAX = 1_024;
/** Distinct keys waiting in the `background` class; beyond it the oldest entry is dropped (counted). */
export const WRITE_BACKGROUND_MAX_KEYS = 10_000;
/** A background entry is flushed this long after it arrived (the batch it joins commits them together). */
export const WRITE_BACKGROUND_FLUSH_MS = 25;
/** Background entries older than this are dropped (counted): the writer is this far behind. */
export const WRITE_BACKGROUND_MAX_AGE_MS = 5_000;
/** Background entries taken into one batch (they are small rows). */
export const WRITE_BACKGROUND_BATCH_MAX = 256;
/** Group commit budget: jobs (interactive + sync) in one transaction. */
export const WRITE_BATCH_MAX_JOBS = 64;
/** Group commit budget: estimated payload bytes in one transaction (one job may exceed it alone). */
export const WRITE_BATCH_MAX_BYTES = 2 * 1024 * 1024;
/** Group commit budget: the writer starts no new job after this much work; the rest go back to the queue head. */
export const WRITE_BATCH_MAX_MS = 15;
/** The same budget for a batch that holds an interactive write: it commits soon after the user's write, which is acknowledged only at COMMIT. */
export const WRITE_BATCH_INTERACTIVE_MAX_MS = 2;
/**
 * Batches the queued writer keeps in flight: the one running and the next, already at the writer
 * thread, so it never waits for the main thread between two commits (write-storm: the writer sat
 * idle 12–26% of a storm between batches with one in flight, 8–10% with two; sync throughput no
 * longer dipped when the main thread was slow to answer).
 */
export const WRITER_BATCHES_IN_FLIGHT = 2;
/**
 * The express lane: a user's write that arrives while a batch is in flight goes straight to the
 * writer thread, which runs it right after its running job, inside that batch's transaction, so
 * its acknowledgement needs the busy main thread once instead of three times (bench/user-write.ts:
 * ack p99 9.3–9.6 ms against 15.7–17.2 without it, p50 0.4 against 4.8–5.4). false = every
 * interactive write waits for the next batch.
 */
export const WRITER_EXPRESS_LANE = true;
/** Share of a batch's job slots reserved for `sync` while sync jobs wait (interactive cannot starve sync). */
export const WRITE_SYNC_MIN_SHARE = 0.25;
/** Retry hint of the OverloadError thrown when `interactive` is full. */
export const WRITE_OVERLOAD_RETRY_MS = 1_000;
/** BEGIN IMMEDIATE attempts when the lock is held outside the writer (a TRUNCATE checkpoint, another process). */
export const WRITER_BEGIN_ATTEMPTS = 20;
/** Sleep between those attempts (ms, doubled each time up to 50 ms). */
export const WRITER_BEGIN_RETRY_MS = 2;
/** `mode: 'direct'` (comparison only): read-write connections, one per worker thread. */
export const DIRECT_WRITER_CONNECTIONS = 4;
/** `mode: 'direct'`: SQLite busy timeout of each connection, as a typical app sets it. */
export const DIRECT_WRITER_BUSY_TIMEOUT_MS = 5_000;

// ---- HTTP API and node (src/api, src/node.ts) -----------------------------------------------

/** HTTP API listen address (loopback: the API has no authentication). */
export const API_DEFAULT_HOST = '127.0.0.1';
export const API_DEFAULT_PORT = 3939;
/** URL digests kept for ETags (LRU): an app polls the same few hundred URLs. */
export const API_ETAG_DIGEST_CACHE_SIZE = 4096;
/** Data directory of `seedling start` when `--data` is absent (relative to the working directory). */
export const NODE_DEFAULT_DATA_DIR = './.seedling';
/** File name of the SQLite database inside the data directory. */
export const NODE_DATABASE_FILE = 'seedling.db';
/** Largest POST body (CBOR): a PublishBlobs batch of a few max-size blobs. */
export const API_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
/** Blobs in one PublishBlobs request. */
export const API_MAX_BLOBS_PER_PUBLISH = 1_000;
/** A PublishBlobs of at most this many blobs and API_PUBLISH_INLINE_BYTES is verified on the main thread (well under a millisecond), never queued in the reader pool behind a scan. */
export const API_PUBLISH_INLINE_BLOBS = 4;
export const API_PUBLISH_INLINE_BYTES = 64 * 1024;
/** How often the shared SSE poller reads the (in-memory) generation counter. */
export const API_EVENTS_POLL_MS = 200;
/** Events fetched per `index.listEvents` call by the SSE poller (it pages until it meets a seen event). */
export const API_EVENTS_PAGE_SIZE = 100;
/** Pages the SSE poller reads after one generation change before giving up on catching up. */
export const API_EVENTS_MAX_PAGES = 10;
/** SSE keep-alive comment interval (proxies close idle streams). */
export const API_EVENTS_HEARTBEAT_MS = 15_000;
/** SSE clients connected at once; more get 503. */
export const API_EVENTS_MAX_CLIENTS = 256;
/** Default and largest page of list keys (ListEvents, Query limit). */
export const API_DEFAULT_PAGE_SIZE = 30;
export const API_MAX_PAGE_SIZE = 500;

// ---- index (src/index) -------------------------------------------------------------------------

/** Most documents one `index.query` returns (a listing page; the API's limit is capped to it). */
export const INDEX_QUERY_MAX_LIMIT = 5_000;
/** Most changes walked by `index.listChanges` / `index.documentChanges` for an explicit version. */
export const INDEX_MAX_WALK_CHANGES = 1_000_000;

// ---- network (src/net) -------------------------------------------------------------------------

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

// ---- sync engine (src/sync) --------------------------------------------------------------------

/** Haves sets kept in memory (one per scope). */
export const HAVES_CACHE_MAX_ENTRIES = 256;
/** Items across all cached haves sets (each item ~100 bytes with its prefix sum). */
export const HAVES_CACHE_MAX_ITEMS = 2_000_000;
/** CIDs asked in one FetchRequest by the sync engine (the protocol allows up to MAX_CIDS_PER_MESSAGE). */
export const SYNC_FETCH_BATCH = 256;
/** FetchRequests to one peer in flight at once during a pull (hides the round trip); a peer serves MAX_INBOUND_PER_PEER at once. */
export const SYNC_FETCH_PARALLEL = 2;
/** Times a pull waits out a Busy answer (its retry hint) before giving up on the peer. */
export const SYNC_BUSY_RETRIES = 3;
/** Event-loop delay (ms) above which sync fetches are held back (the app's answers run on that loop). */
export const SYNC_PACE_LAG_MS = 8;
/** Sync fetches are also held back while the app made a request (or read) this recently: a burst of app requests is answered before the next fetch reply lands on the same event loop. */
export const SYNC_PACE_APP_QUIET_MS = 50;
/** Longest a fetch is held back by pacing: sync slows, never stops. */
export const SYNC_PACE_MAX_WAIT_MS = 250;
/** Period of the pacer's lateness probe. */
export const SYNC_PACE_CHECK_MS = 10;
/** Cap on what sync pulls download, blob bytes per second over all pulls of the node, those an announcement starts included (`seedling start --sync-max-kib`); 0 = no cap. Only the few blobs fetched to classify an announcement go outside it. */
export const SYNC_MAX_BYTES_PER_SEC = 0;
/** Under a cap, the bytes a pull may take at once after a quiet spell, in seconds of the cap. */
export const SYNC_RATE_BURST_SECONDS = 1;
/** Fetched blobs verified per reader task: each chunk goes to the writer as soon as it is verified, while the next one is checked. */
export const SYNC_VERIFY_CHUNK = 64;
/** Blobs verified and written per `sync`-class write job. */
export const SYNC_WRITE_BATCH = 100;
/** Reconcile rounds with one peer for one scope before giving up (a peer that never converges). */
export const SYNC_MAX_ROUNDS = 64;

// ---- cli: HTTP API client (src/cli) ---------------------------------------------------------

/** `--server` default of the CLI commands that talk to a node: the node's default HTTP address. */
export const DEFAULT_HTTP_URL = `http://${API_DEFAULT_HOST}:${API_DEFAULT_PORT}`;
/** One CLI request (connect, send, read the whole answer); an SSE stream has no overall limit. */
export const CLI_HTTP_TIMEOUT_MS = 30_000;
/** Events per ListEvents page read by `seedling feed`. */
export const CLI_FEED_PAGE_SIZE = 20;

// ---- store: reader pool, checkpointer (src/store) ---------------------------------------------

/** Reader threads per lane (app, bulk) when `threads` is not given: the cores less one, so the main thread and the writer keep a core (reads are CPU work once pages are cached; on 2 cores, two verify threads instead of one cut sync ingest by ~5%), clamped to 1–4. */
export const READER_DEFAULT_THREADS_MIN = 1;
export const READER_DEFAULT_THREADS_MAX = 4;
/** Without an app read or API request for this long, sync's bulk reads run on the app lane's threads (at normal priority) instead of their own. */
export const READER_APP_IDLE_MS = 250;
/** Queued writer thread under SCHED_BATCH on Linux (via `chrt`): a batch posted to it never preempts the main thread's core. false = normal policy. */
export const WRITER_SCHED_BATCH = true;
/** OS nice value of the bulk reader threads (sync's verification, indexing and haves sets): the kernel gives the app's threads the CPU first. 0 = same priority as the rest. */
export const READER_BULK_NICE = 10;
/** V8 young generation of each reader thread (MiB, `resourceLimits.maxYoungGenerationSizeMb`). V8's own sizing on a machine with this much memory let the readers keep memory they no longer used after a busy minute (2-minute soak: they held 332 MiB at the end, 170 with 16, 119 with 8; the RSS ended at 684, 480 and 455 MiB). 16 cost no sync throughput (`bench:sync` within its spread); 8 cost 3% of it and 9% on a 10-peer pull. 0 = V8's default. */
export const READER_YOUNG_GENERATION_MB = 16;
/** Read tasks waiting for a reader thread; beyond it `run()` throws OverloadError at once. */
export const READER_QUEUE_MAX = 1_024;
/** A read handler running longer is stopped (its thread is terminated, ending its snapshot) and fails with ReadTimeoutError. */
export const READER_MAX_READ_MS = 5_000;
/** Retry hint of the OverloadError thrown when the read queue is full. */
export const READER_OVERLOAD_RETRY_MS = 250;
/** Page cache of each reader connection (KiB). */
export const READER_CACHE_SIZE_KIB = 16 * 1024;
/** WAL bytes not yet copied (or twice this of log in use) above which the checkpointer holds sync writes while it catches up and restarts the WAL (back-pressure from the disk; while no hold runs, one sync job per batch). */
export const WAL_SYNC_THROTTLE_BYTES = 256 * 1024 * 1024;
/** Longest one hold of sync writes by the checkpointer lasts; then sync goes on even if the copy did not finish. */
export const SYNC_HOLD_MAX_MS = 2_000;
/** How often the checkpointer reads the WAL backlog (a 100-byte read of the wal-index) between its PASSIVEs. */
export const CHECKPOINT_POLL_MS = 100;
/** While sync is held, how often the writer looks again whether the hold ended. */
export const SYNC_HOLD_RECHECK_MS = 10;
/** Checkpointer: PASSIVE checkpoint interval. */
export const CHECKPOINT_INTERVAL_MS = 1_000;
/** Checkpointer: TRUNCATE once a PASSIVE found the WAL fully copied and the WAL file is larger than this. */
export const CHECKPOINT_TRUNCATE_ABOVE_BYTES = 64 * 1024 * 1024;

// ---- observability (src/obs) -------------------------------------------------------------------

/** Operations kept in the tracker's ring buffer (the slowest are picked from these). */
export const TRACKER_CAPACITY = 1_024;
/** Operations returned by `OperationTracker.slowest()`. */
export const TRACKER_SLOWEST_LIMIT = 20;
/** Sampling resolution of the event-loop delay monitor. */
export const EVENT_LOOP_LAG_RESOLUTION_MS = 10;

// ---- discovery (src/sync/discovery) --------------------------------------------------------------

/** Speculative peers asked when content is present and an authority is known (DESIGN §5). */
export const DISCOVERY_WIDTH_WITH_AUTHORITY = 0;
/** Speculative peers when the host (authority) is known but the content is not here yet. */
export const DISCOVERY_WIDTH_HOST_KNOWN = 2;
/** Speculative peers when nothing is known (the old floor of 30 wasted dials). */
export const DISCOVERY_WIDTH_LOST = 8;
/** Discovery tasks running at once; one slot is always kept free for hot (on-screen) tasks. */
export const DISCOVERY_WORKERS = 4;
/** A hot task without a heartbeat for this long ends (the app stopped showing it). */
export const DISCOVERY_INTEREST_TTL_MS = 10_000;
/** A finished task answers identical asks for this long instead of running again. */
export const DISCOVERY_RESULT_TTL_MS = 30_000;
/** Peers of one tier asked in parallel. */
export const DISCOVERY_PEER_PARALLELISM = 4;
/** Finished tasks kept for status queries. */
export const DISCOVERY_MAX_FINISHED = 1_000;
/** Subscriptions (followed spaces) are refreshed as background discoveries this often. */
export const SUBSCRIPTION_REFRESH_MS = 5 * 60_000;

// ---- announcements (src/sync/announcer.ts, src/sync/announce-listener.ts) -----------------------

/** The user's new blobs are announced to the space's followers this long after they are stored, together (one Announce per peer). */
export const ANNOUNCE_DELAY_MS = 100;
/** A peer that reconciled a scope of a space with us counts as its follower for this long (it is told of the user's new blobs there while connected). */
export const ANNOUNCE_FOLLOWER_TTL_MS = 60 * 60_000;
/** Followers remembered per space (the most recent). */
export const ANNOUNCE_MAX_PEERS = 32;
/** Spaces whose followers are remembered at once (the least recently followed is dropped beyond). */
export const ANNOUNCE_MAX_SPACES_TRACKED = 1_024;
/** An Announce from a peer is acted on this long after it arrives, together with the peer's next ones. */
export const ANNOUNCE_COALESCE_MS = 200;
/** One peer's Announces are acted on at most once per this interval (a chatty peer cannot make us reconcile more often). */
export const ANNOUNCE_MIN_INTERVAL_MS = 1_000;
/** Missing announced blobs fetched (and verified, never stored) per round to learn their spaces. */
export const ANNOUNCE_CLASSIFY_MAX = 16;
/** Followed scopes reconciled with an announcing peer per round (hot ones first, then subscriptions). */
export const ANNOUNCE_MAX_SCOPES = 64;
/** Peers whose pending announcements are remembered at once (the least recent is dropped beyond). */
export const ANNOUNCE_MAX_PEERS_TRACKED = 256;

// ---- document replay and cache (src/index/replay, src/index/document-cache.ts) -------------------

/** Replayed documents kept by the main-thread DocumentCache, keyed by (document, version). */
export const DOCUMENT_CACHE_MAX_ENTRIES = 512;
/** Total blocks held by the DocumentCache (a document costs 1 + its block count); bounds memory. */
export const DOCUMENT_CACHE_MAX_BLOCKS = 250_000;

// ---- web domains (src/net/domain-check.ts, domain-checker.ts) --------------------------------

/** One attempt to fetch `https://<domain>/hm/api/config` gives up after this long (Seed's daemon: 10 s). */
export const DOMAIN_CHECK_TIMEOUT_MS = 10_000;
/** Attempts per check; network errors and 5xx answers are retried, 4xx and bad bodies are not. */
export const DOMAIN_CHECK_ATTEMPTS = 3;
/** Pause between two attempts of one check. */
export const DOMAIN_CHECK_RETRY_MS = 300;
/** Known domains are checked again this long after start, then every DOMAIN_RECHECK_MS, one at a time. */
export const DOMAIN_RECHECK_FIRST_MS = 30_000;
/** Period of the background re-check of every known domain (Seed's daemon: 30 minutes). */
export const DOMAIN_RECHECK_MS = 30 * 60_000;
/** Most domains the node keeps (a new one beyond it is refused). */
export const DOMAIN_TABLE_MAX = 10_000;
