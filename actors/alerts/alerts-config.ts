// config/alerts.yaml: the alert rules' settings, the delivery policy and the sinks. Secrets never live in the
// YAML: a sink names the environment variable that holds its webhook URL, bot token or SMTP password, and
// only sinkSet() reads them, at start-up, so a missing one stops the command before trading starts.
import { join } from 'node:path';
import { z } from 'zod';
import type { AlertLevel } from '../../machines/alerts/alert.ts';
import type { AlertRuleSettings } from '../../machines/alerts/alert-rule-settings.ts';
import { parseConfig } from '../../machines/parse-config.ts';
import { CONFIG_DIR, readYaml, shownConfigPath } from '../adapters/config.ts';
import { MAX_TIMER_MS } from '../adapters/sleep.ts';
import type { AlertSink } from './alert-sink.ts';
import type { DispatcherOptions } from './dispatcher.ts';
import { createConsoleSink, type LineStream } from './sinks/console.ts';
import { createDiscordSink } from './sinks/discord.ts';
import { createEmailSink } from './sinks/email.ts';
import type { Fetch } from './sinks/http.ts';
import { createSlackSink } from './sinks/slack.ts';
import { createTelegramSink, TELEGRAM_API } from './sinks/telegram.ts';
import { createWebhookSink } from './sinks/webhook.ts';

export const ALERTS_CONFIG = join(CONFIG_DIR, 'alerts.yaml');

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const level = z.enum(['info', 'warning', 'critical']);
const envName = z.string().regex(ENV_NAME);
const positiveInt = z.number().int().positive();
const switches = { enabled: z.boolean(), min_level: level };
// A timer fires at once past 2^31 − 1 ms: a longer timeout would abort every request on the spot.
const TIMER_LIMIT = 'about 24.8 days';
const timerMs = positiveInt.max(MAX_TIMER_MS, `must be at most ${MAX_TIMER_MS} ms (${TIMER_LIMIT})`);
const MAX_PAUSE_MINUTES = Math.floor(MAX_TIMER_MS / 60_000);

const RUN_DB_RECORDS_ALL = 'the run DB records every alert (the dashboard, crash recovery and replay read them)';

const urlSink = z.object({ ...switches, url_env: envName }).strict();

const schema = z
  .object({
    rules: z
      .object({
        /** The same alert key at most once per window; what was suppressed is summarised when it closes. */
        dedup_window_s: positiveInt,
        /** Drawdown steps in percent below the peak, each alerted once when crossed. */
        drawdown_steps_pct: z
          .array(z.number().gt(0).lt(100))
          .min(1)
          .refine((steps) => steps.every((s, i) => i === 0 || s > steps[i - 1]!), 'must be strictly increasing'),
      })
      .strict(),
    delivery: z
      .object({
        timeout_ms: timerMs,
        max_attempts: z.number().int().min(1).max(20),
        backoff_initial_ms: positiveInt,
        backoff_max_ms: positiveInt,
        max_retry_after_s: positiveInt,
        pause_after_failures: positiveInt,
        pause_minutes: z.number().positive().max(MAX_PAUSE_MINUTES, `must be at most ${MAX_PAUSE_MINUTES} minutes (${TIMER_LIMIT})`),
        queue_limit: positiveInt,
        close_timeout_ms: timerMs,
      })
      .strict()
      .refine((d) => d.backoff_max_ms >= d.backoff_initial_ms, {
        message: 'must be at least backoff_initial_ms',
        path: ['backoff_max_ms'],
      }),
    sinks: z
      .object({
        console: z.object(switches).strict(),
        // Not a switch: every alert is recorded in the run DB, which the dashboard, crash recovery and replay read.
        database: z
          .object({
            enabled: z.literal(true, { error: `${RUN_DB_RECORDS_ALL}: it cannot be turned off` }),
            min_level: z.literal('info', { error: `${RUN_DB_RECORDS_ALL}: it takes info and up` }),
          })
          .strict(),
        webhooks: z.record(z.string().regex(/^[a-z0-9_-]+$/, "a webhook's name may hold only lowercase letters, digits, _ and -"), urlSink).default({}),
        slack: urlSink.optional(),
        discord: urlSink.optional(),
        telegram: z
          .object({
            ...switches,
            bot_token_env: envName,
            chat_id: z.union([z.string().min(1), z.number().int()]).transform(String),
            api_base: z.url({ protocol: /^https?$/ }).default(TELEGRAM_API),
          })
          .strict()
          .optional(),
        email: z
          .object({
            ...switches,
            host: z.string().min(1),
            port: z.number().int().min(1).max(65535),
            secure: z.boolean(),
            user_env: envName.optional(),
            password_env: envName.optional(),
            from: z.string().min(3),
            to: z.array(z.string().min(3)).min(1),
          })
          .strict()
          .refine((e) => (e.user_env === undefined) === (e.password_env === undefined), {
            message: 'user_env and password_env go together',
            path: ['password_env'],
          })
          .optional(),
      })
      .strict(),
  })
  .strict();

export type AlertsYaml = z.infer<typeof schema>;

export interface AlertsConfig {
  /** The path as messages show it (`config/alerts.yaml`, or as the user typed it). */
  file: string;
  /** What the alerts actor raises: every command that runs one passes these (sessions keep them in their snapshot). */
  rules: AlertRuleSettings;
  delivery: Omit<DispatcherOptions, 'onStatus' | 'onRaised' | 'clock' | 'wait'>;
  /** The run-database sink is built by the alerts actor's side; here only its switches. */
  database: { enabled: boolean; minLevel: AlertLevel };
  yaml: AlertsYaml;
}

export function loadAlertsConfig(path = ALERTS_CONFIG): AlertsConfig {
  const file = shownConfigPath(path);
  const raw = readYaml(path);
  let yaml: AlertsYaml;
  try {
    refuseInlineSecrets(raw);
    yaml = parseConfig(schema, raw);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const d = yaml.delivery;
  return {
    file,
    rules: { dedupWindowMs: yaml.rules.dedup_window_s * 1000, drawdownStepsPct: yaml.rules.drawdown_steps_pct },
    delivery: {
      timeoutMs: d.timeout_ms,
      retry: {
        maxAttempts: d.max_attempts,
        initialBackoffMs: d.backoff_initial_ms,
        maxBackoffMs: d.backoff_max_ms,
        maxRetryAfterMs: d.max_retry_after_s * 1000,
      },
      pauseAfterFailures: d.pause_after_failures,
      pauseMs: Math.round(d.pause_minutes * 60_000),
      queueLimit: d.queue_limit,
      closeTimeoutMs: d.close_timeout_ms,
    },
    database: { enabled: yaml.sinks.database.enabled, minLevel: yaml.sinks.database.min_level },
    yaml,
  };
}

/**
 * A `*_env` value that is not a variable name is most likely the secret pasted in. The schema's message would
 * echo it, so this check comes first and names only the field.
 */
function refuseInlineSecrets(raw: unknown, path: string[] = []): void {
  if (raw === null || typeof raw !== 'object') return;
  for (const [key, value] of Object.entries(raw)) {
    if (key.endsWith('_env') && !(typeof value === 'string' && ENV_NAME.test(value))) {
      throw new Error(`${[...path, key].join('.')}: must name an environment variable (e.g. SLACK_WEBHOOK_URL); the secret itself belongs in the environment, not in this file`);
    }
    refuseInlineSecrets(value, [...path, key]);
  }
}

export interface SinkSetOptions {
  env?: Record<string, string | undefined>;
  stream?: LineStream;
  fetch?: Fetch;
  /** Email's socket timeouts follow the dispatcher's request timeout. */
  timeoutMs?: number;
  /** SMTP without TLS against a local test server. */
  emailIgnoreTls?: boolean;
}

/**
 * The enabled sinks except the database (the alerts actor owns that one), with their secrets read from the
 * environment. A missing variable or an unusable URL is one line naming the field and the variable, never
 * its value.
 */
export function sinkSet(config: AlertsConfig, options: SinkSetOptions = {}): AlertSink[] {
  const env = options.env ?? process.env;
  const sinks = config.yaml.sinks;
  const out: AlertSink[] = [];
  const secret = (field: string, name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new Error(`${config.file}: sinks.${field}: environment variable ${name} is not set (the sink is enabled)`);
    }
    return value;
  };
  const url = (field: string, name: string): string => {
    const value = secret(field, name);
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
      throw new Error(`${config.file}: sinks.${field}: ${name} does not hold an http(s) URL`);
    }
    return value;
  };
  const http = { fetch: options.fetch };
  if (sinks.console.enabled) out.push(createConsoleSink({ minLevel: sinks.console.min_level, stream: options.stream }));
  for (const [name, hook] of Object.entries(sinks.webhooks)) {
    if (hook.enabled) out.push(createWebhookSink({ ...http, name: `webhook:${name}`, minLevel: hook.min_level, url: url(`webhooks.${name}.url_env`, hook.url_env) }));
  }
  if (sinks.slack?.enabled) out.push(createSlackSink({ ...http, minLevel: sinks.slack.min_level, url: url('slack.url_env', sinks.slack.url_env) }));
  if (sinks.discord?.enabled) out.push(createDiscordSink({ ...http, minLevel: sinks.discord.min_level, url: url('discord.url_env', sinks.discord.url_env) }));
  const telegram = sinks.telegram;
  if (telegram?.enabled) {
    out.push(createTelegramSink({
      ...http,
      minLevel: telegram.min_level,
      botToken: secret('telegram.bot_token_env', telegram.bot_token_env),
      chatId: telegram.chat_id,
      apiBase: telegram.api_base,
    }));
  }
  const email = sinks.email;
  if (email?.enabled) {
    out.push(createEmailSink({
      minLevel: email.min_level,
      host: email.host,
      port: email.port,
      secure: email.secure,
      user: email.user_env === undefined ? undefined : secret('email.user_env', email.user_env),
      password: email.password_env === undefined ? undefined : secret('email.password_env', email.password_env),
      from: email.from,
      to: email.to,
      timeoutMs: options.timeoutMs ?? config.delivery.timeoutMs,
      ignoreTls: options.emailIgnoreTls,
    }));
  }
  return out;
}
