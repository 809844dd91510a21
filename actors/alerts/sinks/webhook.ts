// Generic webhook: the Alert itself as a JSON POST, for receivers of your own.
import type { Alert, AlertLevel } from '../../../machines/alerts/alert.ts';
import type { AlertSink, SinkResult } from '../alert-sink.ts';
import { postJson, urlSecrets, resultOf, type HttpOptions } from './http.ts';

export interface WebhookSinkOptions extends HttpOptions {
  /** `webhook:<name>` from config/alerts.yaml. */
  name: string;
  minLevel: AlertLevel;
  /** From the environment; may carry a token, so it never appears in a result. */
  url: string;
}

export function webhookPayload(alert: Alert): Alert {
  const { key, level, title, body, barTs, wallTs, runId } = alert;
  return { key, level, title, body, barTs, wallTs, runId };
}

export function createWebhookSink(options: WebhookSinkOptions): AlertSink {
  const secrets = urlSecrets(options.url);
  return {
    name: options.name,
    minLevel: options.minLevel,
    async send(alert: Alert, signal: AbortSignal): Promise<SinkResult> {
      return resultOf(await postJson(options.url, webhookPayload(alert), signal, secrets, options), secrets);
    },
  };
}
