import type { Alert, AlertLevel } from '../../../machines/alerts/alert.ts';

/** Distinctive secrets: a test searching output for them cannot match anything by accident. */
export const SECRET_TOKEN = 'T0K3N-zq81xw-SECRET';
export const SECRET_PASSWORD = 'pa55-Vx9qZ-SMTPSECRET';

export function alert(level: AlertLevel = 'critical', over: Partial<Alert> = {}): Alert {
  return {
    key: 'breaker:halted.drawdown',
    level,
    title: 'Circuit breaker tripped: drawdown',
    body: 'equity 78,500.00 is 21.5% below the peak 100,000.00 (limit 20%)',
    barTs: Date.UTC(2024, 2, 1),
    wallTs: Date.UTC(2024, 2, 1, 0, 0, 5),
    runId: 'run-1',
    ...over,
  };
}

export const never = new AbortController().signal;
