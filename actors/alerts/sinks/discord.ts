// Discord webhook: `{ content, embeds: [{ title, description, color }] }`. Discord answers 204 No Content (200
// with `?wait=true`), or 429 with Retry-After and a JSON `retry_after` in seconds.
import type { Alert, AlertLevel } from '../../../machines/alerts/alert.ts';
import type { AlertSink, SinkResult } from '../alert-sink.ts';
import { isAnswer, postJson, urlSecrets, resultOf, type HttpOptions } from './http.ts';

/** Embed side colours, as the decimal integers Discord takes. */
export const DISCORD_COLOURS: Record<AlertLevel, number> = { info: 0x3498db, warning: 0xf1c40f, critical: 0xe74c3c };
/** Discord's limits: content 2,000 characters, an embed's title 256, its description 4,096. */
const CONTENT_MAX = 2000;
const TITLE_MAX = 256;
const DESCRIPTION_MAX = 4096;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export interface DiscordMessage {
  content: string;
  embeds: Array<{ title: string; description: string; color: number; timestamp: string; footer: { text: string } }>;
  allowed_mentions: { parse: string[] };
}

export function discordMessage(alert: Alert): DiscordMessage {
  return {
    content: cut(`**${alert.level.toUpperCase()}** ${alert.title}`, CONTENT_MAX),
    embeds: [
      {
        title: cut(alert.title, TITLE_MAX),
        description: cut(alert.body || alert.title, DESCRIPTION_MAX),
        color: DISCORD_COLOURS[alert.level],
        timestamp: new Date(alert.barTs).toISOString(),
        footer: { text: cut(`${alert.key} · run ${alert.runId}`, 2048) },
      },
    ],
    // Alert text comes from symbols and reasons: it must never ping @everyone or a role.
    allowed_mentions: { parse: [] },
  };
}

export function createDiscordSink(options: HttpOptions & { minLevel: AlertLevel; url: string }): AlertSink {
  const secrets = urlSecrets(options.url);
  return {
    name: 'discord',
    minLevel: options.minLevel,
    async send(alert: Alert, signal: AbortSignal): Promise<SinkResult> {
      const answer = await postJson(options.url, discordMessage(alert), signal, secrets, options);
      const result = resultOf(answer, secrets);
      if (isAnswer(answer) && answer.status === 429 && result.retryAfterMs === undefined) {
        const seconds = (safeJson(answer.body) as { retry_after?: unknown } | undefined)?.retry_after;
        if (typeof seconds === 'number' && seconds >= 0) result.retryAfterMs = Math.round(seconds * 1000);
      }
      return result;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
