// Email through an SMTP server you configure, with nodemailer (its SMTP transport honours an AbortSignal per
// send and closes that message's connection). The password comes from the environment and is only ever
// handed to nodemailer.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Alert, AlertLevel } from '../../../machines/alerts/alert.ts';
import type { AlertSink, SinkResult } from '../alert-sink.ts';
import { redact } from './http.ts';

export interface EmailSinkOptions {
  minLevel: AlertLevel;
  host: string;
  port: number;
  /** TLS from the first byte (port 465); false uses STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  to: string[];
  /** Socket timeouts, so a connection nodemailer keeps after an abort cannot linger. */
  timeoutMs?: number;
  /** Tests against a local server without a certificate. */
  ignoreTls?: boolean;
}

export function emailMessage(alert: Alert): { subject: string; text: string } {
  const bar = new Date(alert.barTs).toISOString();
  const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ');
  return {
    subject: `[QuantSage ${alert.level.toUpperCase()}] ${oneLine(alert.title)}`,
    text: `${alert.title}\n\n${alert.body}\n\nkey: ${alert.key}\nbar time: ${bar}\nrun: ${alert.runId}\n`,
  };
}

export function createEmailSink(options: EmailSinkOptions): AlertSink {
  const secrets = [options.password ?? ''];
  const timeout = options.timeoutMs ?? 10_000;
  let transport: Transporter | undefined;
  const transporter = (): Transporter =>
    (transport ??= nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure,
      ignoreTLS: options.ignoreTls ?? false,
      auth: options.user === undefined ? undefined : { user: options.user, pass: options.password ?? '' },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    }));
  return {
    name: 'email',
    minLevel: options.minLevel,
    async send(alert: Alert, signal: AbortSignal): Promise<SinkResult> {
      const { subject, text } = emailMessage(alert);
      try {
        const info = await transporter().sendMail({ from: options.from, to: options.to, subject, text, signal });
        const rejected = (info.rejected ?? []).length;
        const detail = redact(String(info.response ?? 'accepted'), secrets);
        return rejected === 0
          ? { ok: true, detail }
          : { ok: false, detail: `${detail} (${rejected} recipient${rejected === 1 ? '' : 's'} rejected)` };
      } catch (err) {
        if (signal.aborted) return { ok: false, detail: 'aborted before the SMTP server answered' };
        const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
        const said = e.response ?? e.message ?? String(err);
        return { ok: false, detail: redact(`${e.code ?? 'SMTP'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${said}`, secrets) };
      }
    },
    async close(): Promise<void> {
      transport?.close();
    },
  };
}
