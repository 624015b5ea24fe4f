/**
 * Every error Seedling raises on purpose is a `SeedlingError`: a stable `code` (for programs and the
 * HTTP mapping in `src/api/`), a message a person can act on, and the `cause` it wraps.
 *
 * Subsystems add their own subclasses in their own section below; keep codes SCREAMING_SNAKE and
 * never reuse or rename one (clients match on them).
 */
export class SeedlingError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SeedlingError';
    this.code = code;
  }
}

// ---- blob layer (src/blob) -------------------------------------------------------------------

/** A blob or one of its fields is malformed; `field` names the path inside the blob (e.g. `body.ops[2].type`). */
export class BlobError extends SeedlingError {
  readonly field: string | undefined;

  constructor(code: string, message: string, options?: { field?: string; cause?: unknown }) {
    super(code, options?.field ? `${options.field}: ${message}` : message, options);
    this.name = 'BlobError';
    this.field = options?.field;
  }
}

// ---- store (src/store) -----------------------------------------------------------------------

/** A database step failed; the message says which step (`open database`, `migrate to v3`, ...). */
export class StoreError extends SeedlingError {
  constructor(step: string, options?: { cause?: unknown; code?: string }) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(options?.code ?? 'STORE_FAILED', `${step}${reason}`, options);
    this.name = 'StoreError';
  }
}

/** A bounded queue is full; callers should retry after `retryAfterMs` (HTTP maps this to 503 + Retry-After). */
export class OverloadError extends SeedlingError {
  readonly retryAfterMs: number;

  constructor(what: string, retryAfterMs: number) {
    super('OVERLOADED', `${what} is full; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'OverloadError';
    this.retryAfterMs = retryAfterMs;
  }
}

/** Another store (in this process or another) holds the database; store-lock.ts. */
export class StoreInUseError extends SeedlingError {
  readonly holder: { pid?: number; host?: string; since?: string } | undefined;

  constructor(path: string, holder?: { pid?: number; host?: string; since?: string }) {
    const who =
      holder?.pid !== undefined
        ? ` (pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ''}${holder.since ? `, since ${holder.since}` : ''})`
        : '';
    super(
      'STORE_IN_USE',
      `database ${path} is in use by another Seedling node${who}; stop that node first, or give this one another data directory`,
    );
    this.name = 'StoreInUseError';
    this.holder = holder;
  }
}

/** The component was closed (or is closing) and takes no new work. */
export class ClosedError extends SeedlingError {
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
    this.name = 'ClosedError';
  }
}

// ---- store: reader pool (src/store/reader-pool.ts) ---------------------------------------------

/** A read ran past the pool's time bound and was stopped (its thread terminated, its snapshot ended). */
export class ReadTimeoutError extends SeedlingError {
  readonly op: string;
  readonly handler: string;

  constructor(op: string, handler: string, maxReadMs: number) {
    super(
      'READ_TIMEOUT',
      `read ${handler} (${op}) ran longer than ${maxReadMs} ms and was stopped`,
    );
    this.name = 'ReadTimeoutError';
    this.op = op;
    this.handler = handler;
  }
}

/** The caller aborted a read (its AbortSignal fired) before it finished. */
export class ReadAbortedError extends SeedlingError {
  constructor(op: string, handler: string, options?: { cause?: unknown }) {
    super('READ_ABORTED', `read ${handler} (${op}) was aborted by the caller`, options);
    this.name = 'ReadAbortedError';
  }
}

// ---- input validation (api, cli, wire) -------------------------------------------------------

/** Input from a user or client is invalid; `field` names the offending field. */
export class InvalidInputError extends SeedlingError {
  readonly field: string | undefined;

  constructor(message: string, options?: { field?: string; cause?: unknown }) {
    super('INVALID_INPUT', options?.field ? `${options.field}: ${message}` : message, options);
    this.name = 'InvalidInputError';
    this.field = options?.field;
  }
}

/** Something asked for does not exist. */
export class NotFoundError extends SeedlingError {
  constructor(message: string) {
    super('NOT_FOUND', message);
    this.name = 'NotFoundError';
  }
}

// ---- sync and network (src/sync, src/net) ----------------------------------------------------

/** A peer sent something that breaks the protocol (bad frame, oversized message, bad blob...). */
export class ProtocolError extends SeedlingError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ProtocolError';
  }
}

/** A request to a peer got no complete answer in time (stall, slow handler, dead connection). */
export class PeerTimeoutError extends SeedlingError {
  constructor(what: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('PEER_TIMEOUT', `${what} timed out after ${timeoutMs} ms`, options);
    this.name = 'PeerTimeoutError';
  }
}

/** The peer answered Busy (its inbound cap is full); retry after `retryAfterMs` or ask another peer. */
export class PeerBusyError extends SeedlingError {
  readonly retryAfterMs: number;

  constructor(peer: string, retryAfterMs: number) {
    super('PEER_BUSY', `peer ${peer} is busy; retry in ${retryAfterMs} ms or ask another peer`);
    this.name = 'PeerBusyError';
    this.retryAfterMs = retryAfterMs;
  }
}

/** The peer answered with an Error message (`remoteCode` is the code it sent). */
export class PeerError extends SeedlingError {
  readonly remoteCode: string;

  constructor(peer: string, remoteCode: string, remoteMessage: string) {
    super('PEER_ERROR', `peer ${peer} answered ${remoteCode}: ${remoteMessage}`);
    this.name = 'PeerError';
    this.remoteCode = remoteCode;
  }
}

// ---- http api (src/api) ----------------------------------------------------------------------

/** The API has no endpoint by this name (HTTP 404 `Unknown query key: <Key>`). */
export class UnknownKeyError extends SeedlingError {
  readonly key: string;

  constructor(key: string) {
    super('UNKNOWN_KEY', `Unknown query key: ${key}`);
    this.name = 'UnknownKeyError';
    this.key = key;
  }
}

// ---- cli: HTTP API client (src/cli) ----------------------------------------------------------

/**
 * A call to a node's HTTP API failed. Codes: `HTTP_STATUS` (the node answered non-2xx; `status`
 * and its `{error}` message), `HTTP_UNREACHABLE` (no connection), `HTTP_TIMEOUT`,
 * `HTTP_BAD_RESPONSE` (an answer that is not what the API promises).
 */
export class HttpApiError extends SeedlingError {
  readonly status: number | undefined;
  /** Seconds from `Retry-After` (503), when the node sent one. */
  readonly retryAfterS: number | undefined;

  constructor(
    code: string,
    message: string,
    options?: { status?: number; retryAfterS?: number; cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'HttpApiError';
    this.status = options?.status;
    this.retryAfterS = options?.retryAfterS;
  }
}
