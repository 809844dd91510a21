// The HTTP side shared by the webhook sinks: one JSON POST that never throws, answers what the receiver said,
// reads Retry-After, and keeps secrets (tokens in URLs) out of everything it returns.
import type { SinkResult } from '../alert-sink.ts';

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface HttpOptions {
  fetch?: Fetch;
  now?: () => number;
}

/** Receiver text echoed in a result is cut to this many characters. */
const MAX_ECHO = 200;

/** `text` with every secret replaced by `***` and control characters dropped, cut to `max` characters. */
export function redact(text: string, secrets: readonly string[], max = MAX_ECHO): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('***');
  }
  // eslint-disable-next-line no-control-regex
  out = out.replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ').trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/**
 * What of a webhook URL must never be echoed: the URL itself and every part that may be its token (path
 * segments of 8 characters or more, query values, user info). A receiver may echo just the token.
 */
export function urlSecrets(url: string): string[] {
  const out = [url];
  try {
    const parsed = new URL(url);
    out.push(parsed.pathname, ...parsed.pathname.split('/').filter((part) => part.length >= 8));
    for (const value of parsed.searchParams.values()) if (value.length >= 4) out.push(value);
    if (parsed.password !== '') out.push(parsed.password);
    if (parsed.username !== '') out.push(parsed.username);
  } catch {
    // An unparsable URL is redacted whole.
  }
  // Longest first, so a part inside a longer secret does not leave the rest of it visible.
  return out.filter((s) => s.length > 1).sort((a, b) => b.length - a.length);
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface HttpAnswer {
  status: number;
  body: string;
  retryAfterMs?: number;
}

/**
 * POSTs `payload` as JSON. Returns the answer, or a failed SinkResult when no answer came (refused, aborted,
 * reset). `secrets` are the values that must never come back in a detail (the URL's token, a bot token).
 */
export async function postJson(
  url: string,
  payload: unknown,
  signal: AbortSignal,
  secrets: readonly string[],
  options: HttpOptions = {},
): Promise<HttpAnswer | SinkResult> {
  const send = options.fetch ?? fetch;
  try {
    const response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'QuantSage-alerts' },
      body: JSON.stringify(payload),
      signal,
    });
    const body = await response.text();
    const now = (options.now ?? Date.now)();
    return { status: response.status, body, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now) };
  } catch (err) {
    return { ok: false, detail: requestError(err, signal, secrets) };
  }
}

export function isAnswer(x: HttpAnswer | SinkResult): x is HttpAnswer {
  return 'status' in x;
}

/** `HTTP 500: <what the receiver said>`, secret-free. */
export function describeAnswer(answer: HttpAnswer, secrets: readonly string[]): string {
  const said = redact(answer.body, secrets);
  return said === '' ? `HTTP ${answer.status}` : `HTTP ${answer.status}: ${said}`;
}

/** The generic reading of an answer: 2xx is delivered; anything else failed, with its Retry-After. */
export function resultOf(answer: HttpAnswer | SinkResult, secrets: readonly string[]): SinkResult {
  if (!isAnswer(answer)) return answer;
  const ok = answer.status >= 200 && answer.status < 300;
  return { ok, detail: describeAnswer(answer, secrets), ...(ok || answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }) };
}

function requestError(err: unknown, signal: AbortSignal, secrets: readonly string[]): string {
  if (signal.aborted) return 'aborted before the receiver answered';
  const e = err as { name?: string; code?: string; message?: string };
  const code = e.code ?? e.name ?? 'Error';
  return `no answer: ${redact(`${code}: ${e.message ?? String(err)}`, secrets)}`;
}

/** The host a URL points at, for messages: a webhook's path and query carry its token. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}
