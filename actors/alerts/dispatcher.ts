// Delivery off the hot path: `deliver` only appends to one queue per sink; each queue is worked by its own loop
// with a per-request timeout, retries with exponential backoff (or the receiver's Retry-After), and a pause
// for a sink that keeps failing, announced once through the other sinks. An inline sink (the console) is the
// exception: deliver() calls it directly, so its lines keep their place among the caller's. Every alert queued
// for a sink ends in exactly one onStatus: delivered or failed.
import { atLeast, type Alert, type DeliveryStatus } from '../../machines/alerts/alert.ts';
import { sleep } from '../adapters/sleep.ts';
import type { AlertSink, SinkResult } from './alert-sink.ts';
import type { AlertDelivery, AlertId } from './delivery.ts';

export interface RetryPolicy {
  /** Attempts per alert, the first included. */
  maxAttempts: number;
  /** Wait before the second attempt; doubled before each further one. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A receiver asking to wait longer than this (Retry-After) fails the alert instead. */
  maxRetryAfterMs: number;
}

export interface DispatcherOptions {
  /** The outcome for each (alert, sink) the alert was queued for; alertId is undefined for the dispatcher's own alerts. */
  onStatus?: (alertId: AlertId | undefined, sink: string, status: DeliveryStatus, detail: string) => void;
  /** An alert the dispatcher raised itself (a sink paused or resumed), so the caller can record it. */
  onRaised?: (alert: Alert) => void;
  clock: { now(): number };
  /** Per request: a receiver that has not answered by then is aborted and the attempt counts as failed. */
  timeoutMs: number;
  retry: RetryPolicy;
  /** Consecutive failed attempts (429s aside) after which a sink is paused. */
  pauseAfterFailures: number;
  /** How long a paused sink is skipped before the next alert probes it again. */
  pauseMs: number;
  /** Alerts waiting per sink; past it a new alert fails at once (a hanging receiver must not grow memory). */
  queueLimit: number;
  /** close() waits this long for the queues to drain, then aborts and fails what is left. */
  closeTimeoutMs: number;
  /** Injected in tests to see the waits without spending them. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface SinkState {
  sink: string;
  queued: number;
  paused: boolean;
  consecutiveFailures: number;
}

export interface Dispatcher extends AlertDelivery {
  state(): SinkState[];
}

interface Job {
  alert: Alert;
  id: AlertId | undefined;
}

interface Lane {
  sink: AlertSink;
  queue: Job[];
  running: Promise<void> | undefined;
  consecutiveFailures: number;
  pausedUntil: number | undefined;
  /** The pause warning went out and no delivery has succeeded since: the next pause stays quiet. */
  warned: boolean;
}

export function createDispatcher(sinks: readonly AlertSink[], options: DispatcherOptions): Dispatcher {
  const names = new Set<string>();
  for (const sink of sinks) {
    if (names.has(sink.name)) throw new Error(`two alert sinks are named "${sink.name}"`);
    names.add(sink.name);
  }
  const lanes: Lane[] = sinks.map((sink) => ({
    sink, queue: [], running: undefined, consecutiveFailures: 0, pausedUntil: undefined, warned: false,
  }));
  const wait = options.wait ?? sleep;
  const shutdown = new AbortController();
  let closing = false;
  const inlineAnswers = new Set<Promise<void>>();

  const report = (id: AlertId | undefined, sink: string, status: DeliveryStatus, detail: string): void => {
    try {
      options.onStatus?.(id, sink, status, detail);
    } catch {
      // A failing status callback must not stop delivery to the other sinks.
    }
  };
  // Statuses decided inside deliver() are reported after it returns: deliver stays O(1) on the hot path.
  const reportLater = (id: AlertId | undefined, sink: string, detail: string): void => {
    queueMicrotask(() => report(id, sink, 'failed', detail));
  };

  const isPaused = (lane: Lane): boolean =>
    lane.pausedUntil !== undefined && options.clock.now() < lane.pausedUntil;

  /** `own`: the dispatcher's alert about a sink, still sent while close() drains. */
  function enqueue(lane: Lane, job: Job, own = false): void {
    if (!atLeast(job.alert.level, lane.sink.minLevel)) return;
    if (shutdown.signal.aborted || (closing && !own)) return reportLater(job.id, lane.sink.name, 'not sent: delivery is shutting down');
    if (lane.sink.inline) return sendInline(lane.sink, job);
    if (isPaused(lane)) return reportLater(job.id, lane.sink.name, pausedDetail(lane));
    if (lane.queue.length >= options.queueLimit) {
      return reportLater(job.id, lane.sink.name, `not sent: ${options.queueLimit} alerts already waiting for this sink`);
    }
    lane.queue.push(job);
    lane.running ??= work(lane).finally(() => (lane.running = undefined));
  }

  /** An inline sink's work happens in send's synchronous part; only its answer is awaited (close waits for it). */
  function sendInline(sink: AlertSink, job: Job): void {
    let answer: Promise<SinkResult>;
    try {
      answer = sink.send(job.alert, shutdown.signal);
    } catch (err) {
      answer = Promise.reject(err);
    }
    const sent = answer
      .then(
        (result) => report(job.id, sink.name, result.ok ? 'delivered' : 'failed', result.detail),
        (err: unknown) => report(job.id, sink.name, 'failed', `sink error: ${err instanceof Error ? err.message.slice(0, 200) : 'unknown'}`),
      )
      .finally(() => inlineAnswers.delete(sent));
    inlineAnswers.add(sent);
  }

  function pausedDetail(lane: Lane): string {
    return `not sent: sink paused after ${options.pauseAfterFailures} consecutive failures, until ${iso(lane.pausedUntil!)}`;
  }

  async function work(lane: Lane): Promise<void> {
    // Yield first: the loop starts after the code that called deliver() has finished its turn.
    await Promise.resolve();
    for (let job = lane.queue.shift(); job !== undefined; job = lane.queue.shift()) {
      if (shutdown.signal.aborted) {
        report(job.id, lane.sink.name, 'failed', 'not sent: delivery shut down before its turn');
        continue;
      }
      if (isPaused(lane)) {
        report(job.id, lane.sink.name, 'failed', pausedDetail(lane));
        continue;
      }
      const outcome = await deliverOne(lane, job.alert);
      report(job.id, lane.sink.name, outcome.ok ? 'delivered' : 'failed', outcome.detail);
    }
  }

  async function deliverOne(lane: Lane, alert: Alert): Promise<SinkResult> {
    const { maxAttempts, initialBackoffMs, maxBackoffMs, maxRetryAfterMs } = options.retry;
    let last: SinkResult = { ok: false, detail: 'not attempted' };
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      last = await attemptOnce(lane.sink, alert);
      const tries = attempt === 1 ? '' : ` (attempt ${attempt})`;
      if (last.ok) {
        const wasPaused = lane.pausedUntil !== undefined;
        lane.consecutiveFailures = 0;
        lane.pausedUntil = undefined;
        if (wasPaused && lane.warned) raise(lane, alert, 'info', 'resumed', `${lane.sink.name} delivered again: ${last.detail}`);
        lane.warned = false;
        return { ok: true, detail: `${last.detail}${tries}` };
      }
      if (shutdown.signal.aborted) return { ok: false, detail: `${last.detail}${tries}; delivery shut down` };
      // A 429 is a receiver that works and asks for patience: it does not count towards the pause.
      if (last.retryAfterMs === undefined) lane.consecutiveFailures++;
      if (lane.consecutiveFailures >= options.pauseAfterFailures) {
        pause(lane, alert, last.detail);
        return { ok: false, detail: `${last.detail}${tries}; sink paused after ${lane.consecutiveFailures} consecutive failures` };
      }
      if (attempt === maxAttempts) break;
      if (last.retryAfterMs !== undefined && last.retryAfterMs > maxRetryAfterMs) {
        return { ok: false, detail: `${last.detail}${tries}; receiver asked to wait ${seconds(last.retryAfterMs)}, more than ${seconds(maxRetryAfterMs)}` };
      }
      const backoff = Math.min(initialBackoffMs * 2 ** (attempt - 1), maxBackoffMs);
      await wait(last.retryAfterMs ?? backoff, shutdown.signal);
      if (shutdown.signal.aborted) return { ok: false, detail: `${last.detail}${tries}; delivery shut down before the retry` };
    }
    return { ok: false, detail: `${last.detail} (after ${maxAttempts} attempt${maxAttempts === 1 ? '' : 's'})` };
  }

  async function attemptOnce(sink: AlertSink, alert: Alert): Promise<SinkResult> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopWaiting: () => void = () => undefined;
    // The race does not trust the sink to honour the signal: a hung sink cannot hold its queue.
    const deadline = new Promise<SinkResult>((resolve) => {
      const give = (detail: string) => {
        controller.abort();
        resolve({ ok: false, detail });
      };
      timer = setTimeout(() => give(`no answer within ${options.timeoutMs} ms (aborted)`), options.timeoutMs);
      stopWaiting = () => give('aborted: delivery shut down');
      shutdown.signal.addEventListener('abort', stopWaiting, { once: true });
    });
    try {
      const sent = sink.send(alert, controller.signal).catch((err: unknown): SinkResult => ({
        ok: false,
        detail: `sink error: ${err instanceof Error ? err.message.slice(0, 200) : 'unknown'}`,
      }));
      return await Promise.race([sent, deadline]);
    } finally {
      clearTimeout(timer);
      shutdown.signal.removeEventListener('abort', stopWaiting);
    }
  }

  function pause(lane: Lane, cause: Alert, lastDetail: string): void {
    lane.pausedUntil = options.clock.now() + options.pauseMs;
    for (const job of lane.queue.splice(0)) reportLater(job.id, lane.sink.name, pausedDetail(lane));
    if (lane.warned) return;
    lane.warned = true;
    raise(
      lane,
      cause,
      'warning',
      'paused',
      `${lane.consecutiveFailures} consecutive failed attempts, the last: ${lastDetail}. Alerts for ${lane.sink.name} are marked failed until ${iso(lane.pausedUntil)}, then the next one tries again.`,
    );
  }

  /** The dispatcher's own alert about a sink, sent through every other sink that is not paused. */
  function raise(lane: Lane, cause: Alert, level: 'info' | 'warning', what: 'paused' | 'resumed', body: string): void {
    const alert: Alert = {
      key: `alerts:sink_${what}:${lane.sink.name}`,
      level,
      title: `Alert sink ${lane.sink.name} ${what}`,
      body,
      barTs: cause.barTs,
      wallTs: options.clock.now(),
      runId: cause.runId,
    };
    try {
      options.onRaised?.(alert);
    } catch {
      // Recording our own alert must not stop it reaching the other sinks.
    }
    for (const other of lanes) if (other !== lane) enqueue(other, { alert, id: undefined }, true);
  }

  return {
    deliver(alert: Alert, alertId?: AlertId): void {
      for (const lane of lanes) enqueue(lane, { alert, id: alertId });
    },
    async close(): Promise<void> {
      closing = true;
      const drained = (async () => {
        // A queue's loop may enqueue a warning onto another queue: wait until every loop is idle.
        while (lanes.some((l) => l.running !== undefined) || inlineAnswers.size > 0) {
          await Promise.all([...lanes.map((l) => l.running), ...inlineAnswers]);
        }
      })();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bound = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.closeTimeoutMs)));
      const first = await Promise.race([drained.then(() => 'drained' as const), bound]);
      clearTimeout(timer);
      if (first === 'timeout') {
        shutdown.abort();
        await drained;
      }
      await Promise.all(sinks.map((sink) => sink.close?.().catch(() => undefined)));
    },
    state(): SinkState[] {
      return lanes.map((lane) => ({
        sink: lane.sink.name,
        queued: lane.queue.length,
        paused: isPaused(lane),
        consecutiveFailures: lane.consecutiveFailures,
      }));
    },
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} s`;
}
