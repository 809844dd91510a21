// When a venue request fails: retry it (network trouble, rate limits, 5xx, timeouts, a garbled body) after an
// exponential backoff or the server's Retry-After, or stop at once (unknown symbol, bad request, credentials),
// because repeating a request the venue has refused only burns the rate limit.
//
// Errors are classified by their class names (the prototype chain), which covers CCXT's hierarchy
// (NetworkError ⊃ DDoSProtection, RateLimitExceeded, RequestTimeout, ExchangeNotAvailable; ExchangeError ⊃
// BadRequest ⊃ BadSymbol, AuthenticationError ⊃ PermissionDenied, NotSupported) and the Alpaca SDK's
// (FetchError; ApiError ⊃ RateLimitError, AuthError, PermissionError, NotFoundError, ValidationError) without
// importing either library here.

export interface FailureInfo {
  /** Class names from the most specific to Error, e.g. ['BadSymbol', 'BadRequest', 'ExchangeError', ...]. */
  classNames: string[];
  message: string;
  /** HTTP status, when the error carries one (Alpaca's ApiError). */
  status?: number;
  /** How long the server asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number;
}

export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /** Wait before the first retry; doubles on each further retry. */
  baseDelayMs: number;
  /** Cap on the computed backoff (a Retry-After may be longer, up to maxRetryAfterMs). */
  maxDelayMs: number;
  /** A server asking for a longer pause than this stops the run instead of stalling it. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 15 * 60_000,
};

export type Classification = { retryable: true; reason: string } | { retryable: false; reason: string };

export type RetryDecision = { action: 'retry'; delayMs: number; reason: string } | { action: 'stop'; reason: string };

const TRANSIENT: Record<string, string> = {
  RateLimitExceeded: 'rate limited',
  DDoSProtection: 'rate limited',
  RateLimitError: 'rate limited',
  RequestTimeout: 'request timed out',
  OnMaintenance: 'exchange under maintenance',
  ExchangeNotAvailable: 'exchange not available',
  NetworkError: 'network error',
  FetchError: 'network error',
  NullResponse: 'empty response',
  BadResponse: 'malformed response',
  MalformedResponse: 'malformed response',
  SyntaxError: 'malformed response',
};

const PERMANENT: Record<string, string> = {
  BadSymbol: 'unknown symbol',
  NotSupported: 'not supported by the exchange',
  PermissionDenied: 'permission denied',
  AccountSuspended: 'account suspended',
  AuthenticationError: 'authentication failed',
  AuthError: 'authentication failed',
  PermissionError: 'permission denied',
  NotFoundError: 'not found',
  ValidationError: 'request rejected',
  ArgumentsRequired: 'request rejected',
  BadRequest: 'request rejected',
  ExchangeError: 'exchange error',
};

/** HTTP statuses worth repeating (Alpaca's own default list). */
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Retry or stop, by the most specific class name we know; anything unknown (a bug, a TypeError) stops. */
export function classifyFailure(failure: FailureInfo): Classification {
  for (const name of failure.classNames) {
    const transient = TRANSIENT[name];
    if (transient !== undefined) return { retryable: true, reason: transient };
    const permanent = PERMANENT[name];
    if (permanent !== undefined) return { retryable: false, reason: permanent };
    if (name === 'ApiError' && failure.status !== undefined) {
      return RETRYABLE_STATUS.has(failure.status) || failure.status >= 500
        ? { retryable: true, reason: `HTTP ${failure.status}` }
        : { retryable: false, reason: `HTTP ${failure.status}` };
    }
  }
  return { retryable: false, reason: 'unexpected error' };
}

/** Exponential backoff: base, 2×base, 4×base, ... capped at maxDelayMs. `retry` counts from 1. */
export function backoffDelayMs(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
}

/** A Retry-After header (delay in seconds, or an HTTP date) as ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/**
 * What to do after attempt number `attempt` (1 = the first try) failed. A server's Retry-After wins over the
 * computed backoff: it knows when its limit resets.
 */
export function decideRetry(failure: FailureInfo, attempt: number, policy: RetryPolicy): RetryDecision {
  const classification = classifyFailure(failure);
  if (!classification.retryable) return { action: 'stop', reason: classification.reason };
  if (attempt > policy.maxRetries) {
    const attempts = attempt === 1 ? '1 attempt' : `${attempt} attempts`;
    return { action: 'stop', reason: `${classification.reason}, gave up after ${attempts}` };
  }
  if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs) {
    const minutes = Math.ceil(failure.retryAfterMs / 60_000);
    return { action: 'stop', reason: `${classification.reason}, the server asks to wait ${minutes} min (Retry-After); try again later` };
  }
  const delayMs = failure.retryAfterMs ?? backoffDelayMs(attempt, policy);
  return { action: 'retry', delayMs, reason: classification.reason };
}

/** The class names of a thrown value, most specific first (['BadSymbol', 'BadRequest', ..., 'Error']). */
export function errorClassNames(error: unknown): string[] {
  const names: string[] = [];
  if (typeof error !== 'object' || error === null) return names;
  let proto: unknown = Object.getPrototypeOf(error);
  while (typeof proto === 'object' && proto !== null && proto !== Object.prototype) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && name !== '') names.push(name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}
