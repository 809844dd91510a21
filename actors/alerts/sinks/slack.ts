// Slack incoming webhook: `{ text, blocks }`. `text` is the notification fallback; the blocks show the title as a
// header, the body as a mrkdwn section and the key, bar time and run as context. Slack answers 200 `ok`, or a
// 4xx/5xx with a short reason (`invalid_payload`, `no_service`), or 429 with Retry-After.
import type { Alert, AlertLevel } from '../../../machines/alerts/alert.ts';
import type { AlertSink, SinkResult } from '../alert-sink.ts';
import { postJson, urlSecrets, resultOf, type HttpOptions } from './http.ts';

const LEVEL_MARK: Record<AlertLevel, string> = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' };
/** Block Kit limits: a header's plain text 150 characters, a section's text 3,000. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;

/** Slack reads `&`, `<` and `>` as markup (`<!channel>` pings everyone); everything else is literal. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

export function slackMessage(alert: Alert): SlackMessage {
  const level = alert.level.toUpperCase();
  const bar = new Date(alert.barTs).toISOString();
  return {
    text: cut(`${level}: ${escapeSlack(alert.title)}`, SECTION_MAX),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(`${level} · ${alert.title}`, HEADER_MAX), emoji: true } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: cut(`${LEVEL_MARK[alert.level]} ${escapeSlack(alert.body || alert.title)}`, SECTION_MAX) },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: cut(`\`${escapeSlack(alert.key)}\` · bar ${bar} · run ${escapeSlack(alert.runId)}`, SECTION_MAX) }],
      },
    ],
  };
}

export function createSlackSink(options: HttpOptions & { minLevel: AlertLevel; url: string }): AlertSink {
  const secrets = urlSecrets(options.url);
  return {
    name: 'slack',
    minLevel: options.minLevel,
    async send(alert: Alert, signal: AbortSignal): Promise<SinkResult> {
      return resultOf(await postJson(options.url, slackMessage(alert), signal, secrets, options), secrets);
    },
  };
}
