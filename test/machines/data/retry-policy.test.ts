import { describe, expect, test } from 'bun:test';
import {
  backoffDelayMs,
  classifyFailure,
  decideRetry,
  errorClassNames,
  parseRetryAfter,
  type FailureInfo,
  type RetryPolicy,
} from '../../../machines/data/retry-policy.ts';

const POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 60_000 };

function failure(classNames: string[], extra: Partial<FailureInfo> = {}): FailureInfo {
  return { classNames: [...classNames, 'Error'], message: 'boom', ...extra };
}

describe('classifyFailure', () => {
  test.each([
    [['RateLimitExceeded', 'NetworkError', 'OperationFailed', 'BaseError'], 'rate limited'],
    [['DDoSProtection', 'NetworkError', 'OperationFailed', 'BaseError'], 'rate limited'],
    [['RequestTimeout', 'NetworkError', 'OperationFailed', 'BaseError'], 'request timed out'],
    [['ExchangeNotAvailable', 'NetworkError', 'OperationFailed', 'BaseError'], 'exchange not available'],
    [['OnMaintenance', 'ExchangeNotAvailable', 'NetworkError'], 'exchange under maintenance'],
    [['NetworkError', 'OperationFailed', 'BaseError'], 'network error'],
    [['BadResponse', 'OperationFailed', 'BaseError'], 'malformed response'],
    [['MalformedResponse'], 'malformed response'],
    [['SyntaxError'], 'malformed response'],
    [['FetchError'], 'network error'],
    [['RateLimitError', 'ApiError', 'ResponseError'], 'rate limited'],
  ])('retries %j (%s)', (names, reason) => {
    expect(classifyFailure(failure(names))).toEqual({ retryable: true, reason });
  });

  test.each([
    [['BadSymbol', 'BadRequest', 'ExchangeError', 'BaseError'], 'unknown symbol'],
    [['BadRequest', 'ExchangeError', 'BaseError'], 'request rejected'],
    [['AuthenticationError', 'ExchangeError', 'BaseError'], 'authentication failed'],
    [['PermissionDenied', 'AuthenticationError', 'ExchangeError'], 'permission denied'],
    [['NotSupported', 'ExchangeError', 'BaseError'], 'not supported by the exchange'],
    [['ExchangeError', 'BaseError'], 'exchange error'],
    [['AuthError', 'ApiError', 'ResponseError'], 'authentication failed'],
    [['PermissionError', 'ApiError', 'ResponseError'], 'permission denied'],
    [['ValidationError', 'ApiError', 'ResponseError'], 'request rejected'],
    [['TypeError'], 'unexpected error'],
  ])('stops on %j (%s)', (names, reason) => {
    expect(classifyFailure(failure(names))).toEqual({ retryable: false, reason });
  });

  test('retries an Alpaca ApiError with a 5xx status and stops on another 4xx', () => {
    expect(classifyFailure(failure(['ApiError', 'ResponseError'], { status: 503 })).retryable).toBe(true);
    expect(classifyFailure(failure(['ApiError', 'ResponseError'], { status: 408 })).retryable).toBe(true);
    expect(classifyFailure(failure(['ApiError', 'ResponseError'], { status: 418 })).retryable).toBe(false);
  });
});

describe('backoff', () => {
  test('doubles from the base delay and stops growing at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((retry) => backoffDelayMs(retry, POLICY))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  test('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2024, 0, 30, 16, 0, 0);
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Tue, 30 Jan 2024 16:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 30 Jan 2024 15:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('decideRetry', () => {
  const timeout = failure(['RequestTimeout', 'NetworkError']);

  test('waits the backoff after each transient failure until the retries run out', () => {
    expect([1, 2, 3].map((attempt) => decideRetry(timeout, attempt, POLICY))).toEqual([
      { action: 'retry', delayMs: 100, reason: 'request timed out' },
      { action: 'retry', delayMs: 200, reason: 'request timed out' },
      { action: 'retry', delayMs: 400, reason: 'request timed out' },
    ]);
    expect(decideRetry(timeout, 4, POLICY)).toEqual({ action: 'stop', reason: 'request timed out, gave up after 4 attempts' });
  });

  test('honours the server Retry-After over the computed backoff', () => {
    const limited = failure(['DDoSProtection', 'NetworkError'], { retryAfterMs: 7_000 });
    expect(decideRetry(limited, 1, POLICY)).toEqual({ action: 'retry', delayMs: 7_000, reason: 'rate limited' });
  });

  test('stops rather than stalls when the server asks for a pause beyond the limit', () => {
    const banned = failure(['DDoSProtection', 'NetworkError'], { retryAfterMs: 2 * 60 * 60_000 });
    expect(decideRetry(banned, 1, POLICY)).toEqual({
      action: 'stop',
      reason: 'rate limited, the server asks to wait 120 min (Retry-After); try again later',
    });
  });

  test('never retries a permanent failure', () => {
    expect(decideRetry(failure(['BadSymbol', 'BadRequest', 'ExchangeError']), 1, POLICY)).toEqual({ action: 'stop', reason: 'unknown symbol' });
  });

  test('no retries at all when maxRetries is 0', () => {
    expect(decideRetry(timeout, 1, { ...POLICY, maxRetries: 0 })).toEqual({ action: 'stop', reason: 'request timed out, gave up after 1 attempt' });
  });
});

describe('errorClassNames', () => {
  test('lists the prototype chain from the most specific class', () => {
    class NetworkError extends Error {}
    class RequestTimeout extends NetworkError {}
    expect(errorClassNames(new RequestTimeout('x'))).toEqual(['RequestTimeout', 'NetworkError', 'Error']);
    expect(errorClassNames('a string')).toEqual([]);
  });
});
