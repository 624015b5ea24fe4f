import {
  BlobError,
  ClosedError,
  InvalidInputError,
  NotFoundError,
  OverloadError,
  SeedlingError,
  UnknownKeyError,
} from '../errors.ts';

/**
 * The one place where errors become HTTP statuses (STYLE.md 7). Every API route answers errors as
 * `{ error: <message> }`; the message of a 400 names the offending field.
 */
export type HttpError = {
  status: number;
  message: string;
  /** Seconds, for `Retry-After` on 503. */
  retryAfterS?: number;
  /** A real bug (500): the caller logs it with its stack. */
  bug: boolean;
};

/** Fastify's own request errors (bad content type, body too large, bad JSON...) carry a 4xx statusCode. */
type FastifyLikeError = { statusCode?: number; code?: string; message?: string };

export function httpErrorOf(err: unknown): HttpError {
  if (err instanceof InvalidInputError || err instanceof BlobError) {
    return { status: 400, message: err.message, bug: false };
  }
  if (err instanceof UnknownKeyError || err instanceof NotFoundError) {
    return { status: 404, message: err.message, bug: false };
  }
  if (err instanceof OverloadError) {
    return {
      status: 503,
      message: err.message,
      retryAfterS: Math.max(1, Math.ceil(err.retryAfterMs / 1000)),
      bug: false,
    };
  }
  if (err instanceof ClosedError) {
    return { status: 503, message: err.message, retryAfterS: 1, bug: false };
  }
  if (err instanceof SeedlingError) return fromCode(err);
  const f = err as FastifyLikeError;
  if (typeof f?.code === 'string' && !f.code.startsWith('FST_')) return fromClone(err);
  if (typeof f?.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    return { status: f.statusCode, message: f.message ?? 'bad request', bug: false };
  }
  return { status: 500, message: `internal error: ${messageOf(err)}`, bug: true };
}

/**
 * Errors that crossed a worker boundary arrive as plain Errors (structured clone keeps `message`
 * and own props such as `code`, not the class), so codes are mapped too.
 */
const CODE_STATUS: Record<string, number> = {
  INVALID_INPUT: 400,
  NOT_FOUND: 404,
  UNKNOWN_KEY: 404,
  OVERLOADED: 503,
  CLOSED: 503,
  // A read the pool stopped (too long) or the client abandoned: load, not a bug.
  READ_TIMEOUT: 503,
  READ_ABORTED: 503,
  DISCOVERY_UNAVAILABLE: 503,
  DOMAINS_UNAVAILABLE: 503,
  // The disk is full: the server cannot store the request's data (RFC 4918's 507), not a bug.
  STORE_FULL: 507,
};

function fromCode(err: SeedlingError): HttpError {
  const status = CODE_STATUS[err.code] ?? (err.code.startsWith('BLOB_') ? 400 : 500);
  if (status === 503) return { status, message: err.message, retryAfterS: 1, bug: false };
  return { status, message: err.message, bug: status === 500 };
}

/** A plain Error from a worker: maps by its `code` and `name`. */
function fromClone(err: unknown): HttpError {
  const e = err as { code: string; name?: unknown; message?: unknown; retryAfterMs?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (name === 'BlobError' || name === 'InvalidInputError')
    return { status: 400, message, bug: false };
  if (e.code === 'OVERLOADED') {
    const ms = typeof e.retryAfterMs === 'number' ? e.retryAfterMs : 1000;
    return { status: 503, message, retryAfterS: Math.max(1, Math.ceil(ms / 1000)), bug: false };
  }
  const status = CODE_STATUS[e.code] ?? (e.code.startsWith('BLOB_') ? 400 : 500);
  return { status, message, bug: status === 500 };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
