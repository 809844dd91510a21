import { describe, expect, test } from 'bun:test';
import { CollectError, withRetries, type RetryEvent, type RetryLoop } from '../../actors/adapters/with-retries.ts';
import type { FailureInfo, RetryPolicy } from '../../machines/data/retry-policy.ts';

const POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 1_000, maxDelayMs: 60_000, maxRetryAfterMs: 600_000 };
const WHERE = 'binance BTC/USDT 1h';

/** A thrown venue failure that says outright how the retry policy should see it. */
class VenueFailure extends Error {
  constructor(readonly info: FailureInfo) {
    super(info.message);
  }
}

const rateLimited = (retryAfterMs: number): VenueFailure =>
  new VenueFailure({ classNames: ['RateLimitExceeded', 'NetworkError'], message: 'Too many requests', retryAfterMs });
const http = (status: number): VenueFailure => new VenueFailure({ classNames: ['ApiError'], message: `HTTP ${status} from the venue`, status });
const networkDown = (): VenueFailure => new VenueFailure({ classNames: ['NetworkError'], message: 'connection reset' });

/** A fake clock that only the fake sleep advances, and everything the loop reported. */
function harness(policy: RetryPolicy = POLICY) {
  const clock = { now: 0 };
  const sleeps: Array<{ ms: number; signal: AbortSignal | undefined }> = [];
  const events: RetryEvent[] = [];
  const attemptsAt: number[] = [];
  let onSleep = (): void => {};
  const loop: RetryLoop = {
    policy,
    describeFailure: (error) => (error instanceof VenueFailure ? error.info : { classNames: ['TypeError'], message: String(error) }),
    sleep: async (ms, signal) => {
      sleeps.push({ ms, signal });
      clock.now += ms;
      onSleep();
    },
    onRetry: (event) => events.push(event),
  };
  /** A request that throws the given failures in turn, then answers `done`. */
  const request = (...failures: Error[]) => async (): Promise<string> => {
    attemptsAt.push(clock.now);
    const next = failures.shift();
    if (next !== undefined) throw next;
    return 'done';
  };
  return { loop, clock, sleeps, events, attemptsAt, request, whenSleeping: (run: () => void) => (onSleep = run) };
}

async function collectErrorOf(call: Promise<unknown>): Promise<CollectError> {
  const outcome = await call.catch((error: unknown) => error);
  expect(outcome).toBeInstanceOf(CollectError);
  return outcome as CollectError;
}

describe('withRetries', () => {
  test('a 429 waits exactly the Retry-After on the injected clock, then succeeds', async () => {
    const { loop, sleeps, events, attemptsAt, request } = harness();
    await expect(withRetries(WHERE, request(rateLimited(7_000)), loop)).resolves.toBe('done');
    expect(sleeps.map((s) => s.ms)).toEqual([7_000]);
    expect(attemptsAt).toEqual([0, 7_000]);
    expect(events).toEqual([{ where: WHERE, attempt: 1, delayMs: 7_000, reason: 'rate limited', message: 'Too many requests' }]);
  });

  test('a 5xx is retried after a doubling backoff, then succeeds', async () => {
    const { loop, sleeps, events, attemptsAt, request } = harness();
    await expect(withRetries(WHERE, request(http(503), http(502)), loop)).resolves.toBe('done');
    expect(sleeps.map((s) => s.ms)).toEqual([1_000, 2_000]);
    expect(attemptsAt).toEqual([0, 1_000, 3_000]);
    expect(events.map((e) => [e.attempt, e.delayMs, e.reason])).toEqual([
      [1, 1_000, 'HTTP 503'],
      [2, 2_000, 'HTTP 502'],
    ]);
  });

  test('a permanent failure gives up at once with the first line of its message', async () => {
    const { loop, sleeps, events, attemptsAt, request } = harness();
    const badSymbol = new VenueFailure({ classNames: ['BadSymbol', 'BadRequest'], message: '  Invalid symbol.  \n{"code":-1121}' });
    const error = await collectErrorOf(withRetries(WHERE, request(badSymbol), loop));
    expect(error.message).toBe(`${WHERE}: unknown symbol (Invalid symbol.)`);
    expect(attemptsAt).toEqual([0]);
    expect(sleeps).toEqual([]);
    expect(events).toEqual([]);
  });

  test('a long message is cut to 240 characters in the event and the error', async () => {
    const { loop, events, request } = harness({ ...POLICY, maxRetries: 1 });
    const long = (): VenueFailure => new VenueFailure({ classNames: ['NetworkError'], message: 'x'.repeat(300) });
    const error = await collectErrorOf(withRetries(WHERE, request(long(), long()), loop));
    expect(events[0]!.message).toBe(`${'x'.repeat(240)}...`);
    expect(error.message).toBe(`${WHERE}: network error, gave up after 2 attempts (${'x'.repeat(240)}...)`);
  });

  test('gives up after the last retry, naming how many attempts were made', async () => {
    const { loop, sleeps, events, attemptsAt, request } = harness();
    const error = await collectErrorOf(withRetries(WHERE, request(networkDown(), networkDown(), networkDown(), networkDown(), networkDown()), loop));
    expect(error.message).toBe(`${WHERE}: network error, gave up after 4 attempts (connection reset)`);
    expect(attemptsAt).toEqual([0, 1_000, 3_000, 7_000]);
    expect(sleeps.map((s) => s.ms)).toEqual([1_000, 2_000, 4_000]);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3]);
  });

  test('an abort while waiting stops with one line and sends nothing more', async () => {
    const { loop, sleeps, attemptsAt, request, whenSleeping } = harness();
    const controller = new AbortController();
    whenSleeping(() => controller.abort());
    const error = await collectErrorOf(withRetries(WHERE, request(networkDown()), loop, controller.signal));
    expect(error.message).toBe(`${WHERE}: interrupted while waiting to retry`);
    expect(sleeps).toEqual([{ ms: 1_000, signal: controller.signal }]);
    expect(attemptsAt).toEqual([0]);
  });

  test('a CollectError from the request passes through unchanged, never retried', async () => {
    const { loop, sleeps, attemptsAt, request } = harness();
    const refused = new CollectError('binance has no 7m candles (it offers 1m, 1h)');
    const error = await collectErrorOf(withRetries(WHERE, request(refused), loop));
    expect(error).toBe(refused);
    expect(attemptsAt).toEqual([0]);
    expect(sleeps).toEqual([]);
  });
});
