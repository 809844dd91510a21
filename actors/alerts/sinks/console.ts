// One line per alert on the terminal; coloured by level only when the stream is a TTY (a log file stays plain).
import type { Alert, AlertLevel } from '../../../machines/alerts/alert.ts';
import type { AlertSink, SinkResult } from '../alert-sink.ts';

export interface LineStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const COLOUR: Record<AlertLevel, string> = { info: '\x1b[36m', warning: '\x1b[33m', critical: '\x1b[1;31m' };
const RESET = '\x1b[0m';

function oneLine(text: string): string {
  // A body may hold several lines; a newline or an escape sequence from outside must not break the log's lines.
  // eslint-disable-next-line no-control-regex
  return text.replace(/\s*\n\s*/g, ' · ').replace(/[\x00-\x1f\x7f-\x9f]/g, ' ');
}

/** `2024-03-01T00:00:00Z CRITICAL Circuit breaker tripped: drawdown — equity … [breaker:halted.drawdown]` */
export function consoleLine(alert: Alert, colour: boolean): string {
  const time = new Date(alert.barTs).toISOString().replace('.000Z', 'Z');
  const level = alert.level.toUpperCase().padEnd(8);
  const shownLevel = colour ? `${COLOUR[alert.level]}${level}${RESET}` : level;
  const body = alert.body === '' ? '' : ` — ${oneLine(alert.body)}`;
  return `${time} ${shownLevel} ${oneLine(alert.title)}${body} [${oneLine(alert.key)}]`;
}

export function createConsoleSink(options: { minLevel: AlertLevel; stream?: LineStream }): AlertSink {
  const stream = options.stream ?? process.stdout;
  return {
    name: 'console',
    minLevel: options.minLevel,
    // Printed as the alert is raised, between the session's own lines about the same bar, not after them.
    inline: true,
    async send(alert: Alert): Promise<SinkResult> {
      stream.write(`${consoleLine(alert, stream.isTTY === true)}\n`);
      return { ok: true, detail: 'printed' };
    },
  };
}
