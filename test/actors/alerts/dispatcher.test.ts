import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import type { Alert, DeliveryStatus } from '../../../machines/alerts/alert.ts';
import type { AlertSink, SinkResult } from '../../../actors/alerts/alert-sink.ts';
import { createDispatcher, type DispatcherOptions } from '../../../actors/alerts/dispatcher.ts';
import { createConsoleSink } from '../../../actors/alerts/sinks/console.ts';
import { createSlackSink } from '../../../actors/alerts/sinks/slack.ts';
import { createWebhookSink } from '../../../actors/alerts/sinks/webhook.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/alert-receivers.ts';
import { alert, SECRET_TOKEN } from './fixtures.ts';

interface Status {
  id: number | string | undefined;
  sink: string;
  status: DeliveryStatus;
  detail: string;
}

/** Options with the waits recorded and skipped, and every status kept. */
function setup(over: Partial<DispatcherOptions> = {}) {
  const statuses: Status[] = [];
  const waits: number[] = [];
  const options: DispatcherOptions = {
    clock: { now: () => Date.UTC(2024, 2, 1, 12) },
    timeoutMs: 2000,
    retry: { maxAttempts: 4, initialBackoffMs: 1000, maxBackoffMs: 60_000, maxRetryAfterMs: 300_000 },
    pauseAfterFailures: 100,
    pauseMs: 600_000,
    queueLimit: 1000,
    closeTimeoutMs: 10_000,
    onStatus: (id, sink, status, detail) => statuses.push({ id, sink, status, detail }),
    wait: async (ms) => {
      waits.push(ms);
    },
    ...over,
  };
  return { options, statuses, waits };
}

/** A sink answering from a script and keeping what it was sent. */
function scriptedSink(name: string, answers: SinkResult[], minLevel: Alert['level'] = 'info') {
  const received: Alert[] = [];
  const sink: AlertSink = {
    name,
    minLevel,
    async send(a) {
      received.push(a);
      return answers.shift() ?? { ok: true, detail: 'ok' };
    },
  };
  return { sink, received };
}

let receiver: WebhookReceiver;
beforeEach(() => {
  receiver = startWebhookReceiver();
});
afterEach(async () => {
  await receiver.stop();
});

describe('dispatcher', () => {
  test('deliver returns before any sink is called: sending happens off the caller’s turn', async () => {
    const { sink, received } = scriptedSink('fake', []);
    const { options, statuses } = setup();
    const dispatcher = createDispatcher([sink], options);
    dispatcher.deliver(alert(), 1);
    expect(received).toHaveLength(0);
    await dispatcher.close();
    expect(received).toHaveLength(1);
    expect(statuses).toEqual([{ id: 1, sink: 'fake', status: 'delivered', detail: 'ok' }]);
  });

  test('the console prints inside deliver(), between the caller’s own lines; a queued sink still waits its turn', async () => {
    const out: string[] = [];
    const console = createConsoleSink({ minLevel: 'info', stream: { write: (text) => out.push(text.trim()) } });
    const { sink, received } = scriptedSink('fake', []);
    const { options, statuses } = setup();
    const dispatcher = createDispatcher([console, sink], options);
    out.push('fill line');
    dispatcher.deliver(alert('warning', { title: 'Position opened' }), 1);
    out.push('next bar line');
    expect(out[0]).toBe('fill line');
    expect(out[1]).toContain('WARNING  Position opened');
    expect(out[2]).toBe('next bar line');
    expect(received).toHaveLength(0);
    await dispatcher.close();
    expect(received).toHaveLength(1);
    expect(statuses).toContainEqual({ id: 1, sink: 'console', status: 'delivered', detail: 'printed' });
    expect(statuses).toContainEqual({ id: 1, sink: 'fake', status: 'delivered', detail: 'ok' });
  });

  test('a receiver answering 500 then 200 gets the alert exactly once, after one backoff', async () => {
    receiver.script([{ status: 500, body: 'boom' }], { status: 200, body: 'ok' });
    const { options, statuses, waits } = setup();
    const dispatcher = createDispatcher([createSlackSink({ minLevel: 'info', url: `${receiver.url}/s/${SECRET_TOKEN}` })], options);
    dispatcher.deliver(alert(), 7);
    await dispatcher.close();
    expect(receiver.requests.map((r) => r.path)).toEqual([`/s/${SECRET_TOKEN}`, `/s/${SECRET_TOKEN}`]);
    expect(waits).toEqual([1000]);
    expect(statuses).toEqual([{ id: 7, sink: 'slack', status: 'delivered', detail: 'HTTP 200: ok (attempt 2)' }]);
  });

  test('429 with Retry-After waits what the receiver asked, not the backoff', async () => {
    receiver.script([{ status: 429, body: 'rate_limited', headers: { 'retry-after': '3' } }]);
    const { options, statuses, waits } = setup();
    const dispatcher = createDispatcher([createWebhookSink({ name: 'webhook:ops', minLevel: 'info', url: receiver.url })], options);
    dispatcher.deliver(alert(), 1);
    await dispatcher.close();
    expect(waits).toEqual([3000]);
    expect(receiver.requests).toHaveLength(2);
    expect(statuses.map((s) => s.status)).toEqual(['delivered']);
  });

  test('a Retry-After past the limit fails the alert instead of waiting', async () => {
    receiver.script([{ status: 429, headers: { 'retry-after': '3600' } }]);
    const { options, statuses, waits } = setup();
    const dispatcher = createDispatcher([createWebhookSink({ name: 'webhook:ops', minLevel: 'info', url: receiver.url })], options);
    dispatcher.deliver(alert(), 1);
    await dispatcher.close();
    expect(waits).toEqual([]);
    expect(statuses).toEqual([{ id: 1, sink: 'webhook:ops', status: 'failed', detail: 'HTTP 429; receiver asked to wait 3,600 s, more than 300 s' }]);
  });

  test('backoff doubles up to its cap between attempts, and a receiver failing every time marks the alert failed', async () => {
    receiver.script([], { status: 503, body: 'down' });
    const { options, statuses, waits } = setup({ retry: { maxAttempts: 5, initialBackoffMs: 1000, maxBackoffMs: 3000, maxRetryAfterMs: 300_000 } });
    const dispatcher = createDispatcher([createWebhookSink({ name: 'webhook:ops', minLevel: 'info', url: receiver.url })], options);
    dispatcher.deliver(alert(), 3);
    await dispatcher.close();
    expect(waits).toEqual([1000, 2000, 3000, 3000]);
    expect(receiver.requests).toHaveLength(5);
    expect(statuses).toEqual([{ id: 3, sink: 'webhook:ops', status: 'failed', detail: 'HTTP 503: down (after 5 attempts)' }]);
  });

  test('a hanging receiver is aborted after the timeout on every attempt and the alert is marked failed', async () => {
    receiver.script([], 'hang');
    const { options, statuses } = setup({ timeoutMs: 30, retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 1, maxRetryAfterMs: 1000 } });
    const dispatcher = createDispatcher([createSlackSink({ minLevel: 'info', url: `${receiver.url}/s/${SECRET_TOKEN}` })], options);
    dispatcher.deliver(alert(), 9);
    await dispatcher.close();
    expect(receiver.requests).toHaveLength(3);
    expect(statuses).toEqual([{ id: 9, sink: 'slack', status: 'failed', detail: 'no answer within 30 ms (aborted) (after 3 attempts)' }]);
  });

  test('a sink that does not honour the signal still cannot hold its queue past the timeout', async () => {
    const stuck: AlertSink = { name: 'stuck', minLevel: 'info', send: () => new Promise(() => undefined) };
    const { options, statuses } = setup({ timeoutMs: 20, retry: { maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1, maxRetryAfterMs: 1 } });
    const dispatcher = createDispatcher([stuck], options);
    dispatcher.deliver(alert(), 1);
    dispatcher.deliver(alert(), 2);
    await dispatcher.close();
    expect(statuses.map((s) => [s.id, s.status])).toEqual([[1, 'failed'], [2, 'failed']]);
  });

  test('a sink failing N times in a row is paused, one warning goes through the other sinks, later alerts fail at once', async () => {
    receiver.script([], { status: 500, body: 'broken' });
    const webhook = createWebhookSink({ name: 'webhook:ops', minLevel: 'info', url: `${receiver.url}/${SECRET_TOKEN}` });
    const other = scriptedSink('console', []);
    const raised: Alert[] = [];
    const { options, statuses } = setup({
      pauseAfterFailures: 3,
      retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 1, maxRetryAfterMs: 1000 },
      onRaised: (a) => raised.push(a),
    });
    const dispatcher = createDispatcher([webhook, other.sink], options);
    for (let i = 1; i <= 6; i++) dispatcher.deliver(alert('critical', { key: `k${i}` }), i);
    await dispatcher.close();
    // 2 attempts for alert 1, 1 for alert 2 (the third failure pauses), none after.
    expect(receiver.requests).toHaveLength(3);
    // Alerts still queued when the sink pauses are reported at once, before the one in flight.
    const webhookStatuses = statuses.filter((s) => s.sink === 'webhook:ops').sort((a, b) => Number(a.id) - Number(b.id));
    expect(webhookStatuses.map((s) => [s.id, s.status])).toEqual([
      [1, 'failed'], [2, 'failed'], [3, 'failed'], [4, 'failed'], [5, 'failed'], [6, 'failed'],
    ]);
    expect(webhookStatuses[0]!.detail).toBe('HTTP 500: broken (after 2 attempts)');
    expect(webhookStatuses[1]!.detail).toBe('HTTP 500: broken; sink paused after 3 consecutive failures');
    expect(webhookStatuses[5]!.detail).toStartWith('not sent: sink paused after 3 consecutive failures, until 2024-03-01T12:10:00Z');
    const warnings = other.received.filter((a) => a.key === 'alerts:sink_paused:webhook:ops');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe('warning');
    expect(warnings[0]!.body).toContain('HTTP 500: broken');
    expect(warnings[0]!.body).not.toContain(SECRET_TOKEN);
    expect(raised.map((a) => a.key)).toEqual(['alerts:sink_paused:webhook:ops']);
    expect(other.received.filter((a) => a.key.startsWith('k'))).toHaveLength(6);
    expect(statuses.find((s) => s.id === undefined)).toEqual({ id: undefined, sink: 'console', status: 'delivered', detail: 'ok' });
  });

  test('a paused sink is tried again after the pause; a success announces it resumed', async () => {
    let now = Date.UTC(2024, 2, 1);
    const flaky = scriptedSink('slack', [{ ok: false, detail: 'HTTP 500' }, { ok: false, detail: 'HTTP 500' }]);
    const other = scriptedSink('console', []);
    const { options, statuses } = setup({
      clock: { now: () => now },
      pauseAfterFailures: 2,
      pauseMs: 60_000,
      retry: { maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1, maxRetryAfterMs: 1 },
    });
    const dispatcher = createDispatcher([flaky.sink, other.sink], options);
    dispatcher.deliver(alert('critical', { key: 'a' }), 1);
    dispatcher.deliver(alert('critical', { key: 'b' }), 2);
    while (!dispatcher.state()[0]!.paused) await Bun.sleep(1);
    dispatcher.deliver(alert('critical', { key: 'c' }), 3);
    now += 61_000;
    dispatcher.deliver(alert('critical', { key: 'd' }), 4);
    await dispatcher.close();
    expect(flaky.received.map((a) => a.key)).toEqual(['a', 'b', 'd']);
    expect(statuses.filter((s) => s.sink === 'slack').map((s) => [s.id, s.status])).toEqual([[1, 'failed'], [2, 'failed'], [3, 'failed'], [4, 'delivered']]);
    expect(other.received.map((a) => a.key).filter((k) => k.startsWith('alerts:'))).toEqual(['alerts:sink_paused:slack', 'alerts:sink_resumed:slack']);
  });

  test('each sink takes its minimum level and above', async () => {
    const all = scriptedSink('console', [], 'info');
    const warn = scriptedSink('slack', [], 'warning');
    const crit = scriptedSink('email', [], 'critical');
    const { options } = setup();
    const dispatcher = createDispatcher([all.sink, warn.sink, crit.sink], options);
    for (const level of ['info', 'warning', 'critical'] as const) dispatcher.deliver(alert(level));
    await dispatcher.close();
    expect(all.received.map((a) => a.level)).toEqual(['info', 'warning', 'critical']);
    expect(warn.received.map((a) => a.level)).toEqual(['warning', 'critical']);
    expect(crit.received.map((a) => a.level)).toEqual(['critical']);
  });

  test('a full queue fails new alerts at once instead of growing', async () => {
    const { sink } = scriptedSink('slow', []);
    const { options, statuses } = setup({ queueLimit: 2 });
    const dispatcher = createDispatcher([sink], options);
    for (let i = 1; i <= 4; i++) dispatcher.deliver(alert(), i);
    await dispatcher.close();
    expect(statuses.map((s) => [s.id, s.status])).toEqual([[3, 'failed'], [4, 'failed'], [1, 'delivered'], [2, 'delivered']]);
    expect(statuses[0]!.detail).toBe('not sent: 2 alerts already waiting for this sink');
  });

  test('close gives up after its bound: the hanging send is aborted and what is left is marked failed', async () => {
    receiver.script([], 'hang');
    const { options, statuses } = setup({ timeoutMs: 60_000, closeTimeoutMs: 30 });
    const dispatcher = createDispatcher([createWebhookSink({ name: 'webhook:ops', minLevel: 'info', url: receiver.url })], options);
    dispatcher.deliver(alert(), 1);
    dispatcher.deliver(alert(), 2);
    await dispatcher.close();
    expect(statuses.map((s) => [s.id, s.status, s.detail])).toEqual([
      [1, 'failed', 'aborted: delivery shut down; delivery shut down'],
      [2, 'failed', 'not sent: delivery shut down before its turn'],
    ]);
    dispatcher.deliver(alert(), 3);
    await Promise.resolve();
    expect(statuses.at(-1)).toEqual({ id: 3, sink: 'webhook:ops', status: 'failed', detail: 'not sent: delivery is shutting down' });
  });
});
