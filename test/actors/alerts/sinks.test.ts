import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { consoleLine, createConsoleSink } from '../../../actors/alerts/sinks/console.ts';
import { createDiscordSink, DISCORD_COLOURS } from '../../../actors/alerts/sinks/discord.ts';
import { createEmailSink } from '../../../actors/alerts/sinks/email.ts';
import { createSlackSink } from '../../../actors/alerts/sinks/slack.ts';
import { createTelegramSink } from '../../../actors/alerts/sinks/telegram.ts';
import { createWebhookSink } from '../../../actors/alerts/sinks/webhook.ts';
import { startSmtpReceiver, startWebhookReceiver, type WebhookReceiver } from '../../support/alert-receivers.ts';
import { alert, never, SECRET_PASSWORD, SECRET_TOKEN } from './fixtures.ts';

let receiver: WebhookReceiver;
beforeEach(() => {
  receiver = startWebhookReceiver();
});
afterEach(async () => {
  await receiver.stop();
});

describe('webhook sinks', () => {
  test('the generic webhook POSTs the alert itself as JSON, once', async () => {
    const sink = createWebhookSink({ name: 'webhook:ops', minLevel: 'info', url: `${receiver.url}/hook/${SECRET_TOKEN}` });
    const result = await sink.send(alert(), never);
    expect(result).toEqual({ ok: true, detail: 'HTTP 200: ok' });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.headers['content-type']).toBe('application/json');
    expect(receiver.requests[0]!.json).toEqual(alert());
  });

  test('Slack gets { text, blocks } with a header, a mrkdwn section and a context, markup escaped', async () => {
    const sink = createSlackSink({ minLevel: 'info', url: `${receiver.url}/services/${SECRET_TOKEN}` });
    const a = alert('warning', { title: 'Rejected <!channel> & co', body: 'BTC/USD > 15% <@U123>' });
    expect((await sink.send(a, never)).ok).toBe(true);
    expect(receiver.requests).toHaveLength(1);
    const body = receiver.requests[0]!.json as { text: string; blocks: Array<Record<string, any>> };
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text']);
    expect(body.text).toBe('WARNING: Rejected &lt;!channel&gt; &amp; co');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(body.blocks[0]!.text).toEqual({ type: 'plain_text', text: 'WARNING · Rejected <!channel> & co', emoji: true });
    expect(body.blocks[1]!.text.type).toBe('mrkdwn');
    expect(body.blocks[1]!.text.text).toBe(':warning: BTC/USD &gt; 15% &lt;@U123&gt;');
    expect(body.blocks[2]!.elements[0].text).toContain('`breaker:halted.drawdown`');
  });

  test('Discord gets { content, embeds: [{ title, description, color }] } and no mentions are parsed', async () => {
    receiver.script([{ status: 204 }]);
    const sink = createDiscordSink({ minLevel: 'info', url: `${receiver.url}/api/webhooks/1/${SECRET_TOKEN}` });
    expect(await sink.send(alert('critical'), never)).toEqual({ ok: true, detail: 'HTTP 204' });
    expect(receiver.requests).toHaveLength(1);
    const body = receiver.requests[0]!.json as { content: string; embeds: any[]; allowed_mentions: unknown };
    expect(body.content).toBe('**CRITICAL** Circuit breaker tripped: drawdown');
    expect(body.embeds).toHaveLength(1);
    expect(body.embeds[0]).toMatchObject({
      title: 'Circuit breaker tripped: drawdown',
      description: alert().body,
      color: DISCORD_COLOURS.critical,
      timestamp: '2024-03-01T00:00:00.000Z',
    });
    expect(Number.isInteger(body.embeds[0].color)).toBe(true);
    expect(body.allowed_mentions).toEqual({ parse: [] });
  });

  test('Discord 429 reads retry_after from the JSON body when there is no Retry-After header', async () => {
    receiver.script([{ status: 429, body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 1.5, global: false }) }]);
    const sink = createDiscordSink({ minLevel: 'info', url: `${receiver.url}/api/webhooks/1/${SECRET_TOKEN}` });
    const result = await sink.send(alert(), never);
    expect(result.ok).toBe(false);
    expect(result.retryAfterMs).toBe(1500);
  });

  test('Telegram calls sendMessage with chat_id, HTML text escaped per its rules, and parse_mode', async () => {
    receiver.script([{ status: 200, body: JSON.stringify({ ok: true, result: { message_id: 42 } }) }]);
    const sink = createTelegramSink({ minLevel: 'info', botToken: SECRET_TOKEN, chatId: '-100200', apiBase: receiver.url });
    const a = alert('critical', { title: 'Stop hit <b>BTC</b> & more', body: 'loss 2 < 3' });
    const result = await sink.send(a, never);
    expect(result).toEqual({ ok: true, detail: 'HTTP 200: message_id 42' });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.path).toBe(`/bot${SECRET_TOKEN}/sendMessage`);
    const body = receiver.requests[0]!.json as { chat_id: string; text: string; parse_mode: string };
    expect(body.chat_id).toBe('-100200');
    expect(body.parse_mode).toBe('HTML');
    expect(body.text.split('\n')).toEqual([
      '🚨 <b>CRITICAL: Stop hit &lt;b&gt;BTC&lt;/b&gt; &amp; more</b>',
      'loss 2 &lt; 3',
      '<code>breaker:halted.drawdown</code> · bar 2024-03-01T00:00:00.000Z · run run-1',
    ]);
  });

  test('Telegram refusing the token answers its description and retry_after, never the token', async () => {
    receiver.script([
      { status: 401, body: JSON.stringify({ ok: false, error_code: 401, description: `Unauthorized ${SECRET_TOKEN}` }) },
      { status: 429, body: JSON.stringify({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } }) },
    ]);
    const sink = createTelegramSink({ minLevel: 'info', botToken: SECRET_TOKEN, chatId: '1', apiBase: receiver.url });
    const refused = await sink.send(alert(), never);
    expect(refused).toEqual({ ok: false, detail: 'HTTP 401: Unauthorized ***' });
    const limited = await sink.send(alert(), never);
    expect(limited.retryAfterMs).toBe(7000);
  });

  test('a receiver that refuses the connection is a failed result without the URL or its token', async () => {
    const closed = startWebhookReceiver();
    const url = `${closed.url}/services/${SECRET_TOKEN}`;
    await closed.stop();
    for (const sink of [
      createSlackSink({ minLevel: 'info', url }),
      createDiscordSink({ minLevel: 'info', url }),
      createWebhookSink({ name: 'webhook:x', minLevel: 'info', url }),
      createTelegramSink({ minLevel: 'info', botToken: SECRET_TOKEN, chatId: '1', apiBase: closed.url }),
    ]) {
      const result = await sink.send(alert(), never);
      expect(result.ok).toBe(false);
      expect(result.detail).toStartWith('no answer: ');
      expect(result.detail).not.toContain(SECRET_TOKEN);
    }
  });

  test('an aborted request returns a failed result at once instead of throwing', async () => {
    receiver.script(['hang']);
    const sink = createSlackSink({ minLevel: 'info', url: `${receiver.url}/services/${SECRET_TOKEN}` });
    const controller = new AbortController();
    const sent = sink.send(alert(), controller.signal);
    while (receiver.requests.length === 0) await Bun.sleep(1);
    controller.abort();
    expect(await sent).toEqual({ ok: false, detail: 'aborted before the receiver answered' });
  });
});

describe('email sink', () => {
  test('sends one mail through SMTP with the level in the subject, logging in with the password from the environment', async () => {
    const smtp = await startSmtpReceiver({ user: 'alerts', password: SECRET_PASSWORD });
    try {
      const sink = createEmailSink({
        minLevel: 'info', host: '127.0.0.1', port: smtp.port, secure: false, ignoreTls: true,
        user: 'alerts', password: SECRET_PASSWORD, from: 'qs@example.test', to: ['ops@example.test', 'me@example.test'],
      });
      const result = await sink.send(alert('critical'), never);
      await sink.close?.();
      expect(result.ok).toBe(true);
      expect(result.detail).toStartWith('250');
      expect(smtp.mails).toHaveLength(1);
      const mail = smtp.mails[0]!;
      expect(mail.user).toBe('alerts');
      expect(mail.from).toBe('qs@example.test');
      expect(mail.to).toEqual(['ops@example.test', 'me@example.test']);
      expect(mail.raw).toContain('Subject: [QuantSage CRITICAL] Circuit breaker tripped: drawdown');
      expect(mail.raw).toContain('equity 78,500.00 is 21.5% below the peak');
      expect(mail.raw).not.toContain(SECRET_PASSWORD);
    } finally {
      await smtp.stop();
    }
  });

  test('a rejected login is a failed result naming the SMTP answer, without the password', async () => {
    const smtp = await startSmtpReceiver({ user: 'alerts', password: 'the-right-one' });
    try {
      const sink = createEmailSink({
        minLevel: 'info', host: '127.0.0.1', port: smtp.port, secure: false, ignoreTls: true,
        user: 'alerts', password: SECRET_PASSWORD, from: 'qs@example.test', to: ['ops@example.test'],
      });
      const result = await sink.send(alert(), never);
      await sink.close?.();
      expect(result.ok).toBe(false);
      expect(result.detail).toContain('EAUTH');
      expect(result.detail).not.toContain(SECRET_PASSWORD);
      expect(smtp.mails).toHaveLength(0);
    } finally {
      await smtp.stop();
    }
  });
});

describe('console sink', () => {
  test('prints one plain line per alert when the stream is not a terminal', async () => {
    const lines: string[] = [];
    const sink = createConsoleSink({ minLevel: 'info', stream: { write: (s) => lines.push(s), isTTY: false } });
    await sink.send(alert('warning', { body: 'line one\nline two \x1b[2J' }), never);
    expect(lines).toEqual([
      '2024-03-01T00:00:00Z WARNING  Circuit breaker tripped: drawdown — line one · line two  [2J [breaker:halted.drawdown]\n',
    ]);
  });

  test('colours the level on a terminal', () => {
    expect(consoleLine(alert('critical'), true)).toContain('\x1b[1;31mCRITICAL');
    expect(consoleLine(alert('critical'), false)).not.toContain('\x1b');
  });
});
