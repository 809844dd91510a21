// Telegram Bot API sendMessage: POST {api}/bot<token>/sendMessage with `{ chat_id, text, parse_mode: 'HTML' }`.
// HTML is the parse mode with the fewest escapes (only `&`, `<`, `>` outside tags); MarkdownV2 would need
// eighteen characters escaped, and a figure like `-5.2%` is full of them. Telegram answers
// `{ ok: true, result: { message_id } }` or `{ ok: false, error_code, description, parameters: { retry_after } }`.
import type { Alert, AlertLevel } from '../../../machines/alerts/alert.ts';
import type { AlertSink, SinkResult } from '../alert-sink.ts';
import { describeAnswer, isAnswer, postJson, redact, type HttpOptions } from './http.ts';

export const TELEGRAM_API = 'https://api.telegram.org';
const LEVEL_MARK: Record<AlertLevel, string> = { info: 'ℹ️', warning: '⚠️', critical: '🚨' };
/** A message's text is at most 4,096 characters after entity parsing. */
const TEXT_MAX = 4000;

/** Telegram's HTML parse mode: `<`, `>` and `&` that are not markup must be entities. */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export interface TelegramMessage {
  chat_id: string;
  text: string;
  parse_mode: 'HTML';
  link_preview_options: { is_disabled: true };
}

export function telegramMessage(alert: Alert, chatId: string): TelegramMessage {
  const bar = new Date(alert.barTs).toISOString();
  // Cut each part before escaping, so a cut never splits an entity such as `&amp;`.
  const text = [
    `${LEVEL_MARK[alert.level]} <b>${alert.level.toUpperCase()}: ${escapeTelegramHtml(cut(alert.title, 300))}</b>`,
    escapeTelegramHtml(cut(alert.body, TEXT_MAX - 600)),
    `<code>${escapeTelegramHtml(cut(alert.key, 120))}</code> · bar ${bar} · run ${escapeTelegramHtml(cut(alert.runId, 80))}`,
  ].filter((line) => line !== '').join('\n');
  return { chat_id: chatId, text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } };
}

export interface TelegramSinkOptions extends HttpOptions {
  minLevel: AlertLevel;
  botToken: string;
  chatId: string;
  /** The Bot API's address; tests point it at 127.0.0.1. */
  apiBase?: string;
}

export function createTelegramSink(options: TelegramSinkOptions): AlertSink {
  const secrets = [options.botToken];
  const url = `${(options.apiBase ?? TELEGRAM_API).replace(/\/+$/, '')}/bot${options.botToken}/sendMessage`;
  return {
    name: 'telegram',
    minLevel: options.minLevel,
    async send(alert: Alert, signal: AbortSignal): Promise<SinkResult> {
      const answer = await postJson(url, telegramMessage(alert, options.chatId), signal, secrets, options);
      if (!isAnswer(answer)) return answer;
      const reply = safeJson(answer.body) as
        | { ok?: boolean; result?: { message_id?: number }; description?: string; parameters?: { retry_after?: number } }
        | undefined;
      if (answer.status === 200 && reply?.ok === true) {
        return { ok: true, detail: `HTTP 200: message_id ${reply.result?.message_id ?? '?'}` };
      }
      const retryAfter = answer.retryAfterMs ?? (typeof reply?.parameters?.retry_after === 'number' ? reply.parameters.retry_after * 1000 : undefined);
      const detail = reply?.description !== undefined ? `HTTP ${answer.status}: ${redact(reply.description, secrets)}` : describeAnswer(answer, secrets);
      return { ok: false, detail, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) };
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
