// Which pipeline and session messages become alerts, at which level, under which key, with which figures.
// Pure: the messages come in as plain data (the shapes below are the pipeline's, structurally), the small state
// they need (peak equity, drawdown steps crossed, open positions, breaker state) lives in AlertRules itself.
import { formatAmount } from '../metrics/money.ts';
import type { AlertLevel } from './alert.ts';
import { DEFAULT_ALERT_RULES, type AlertRuleSettings } from './alert-rule-settings.ts';

/** An alert before the actor stamps it with the wall time and the run id. */
export interface AlertDraft {
  key: string;
  level: AlertLevel;
  title: string;
  body: string;
  barTs: number;
}

export type AlertSource =
  | { type: 'RiskEvent'; ts: number; kind: string; state: string; reason: string }
  | { type: 'RiskDecision'; ts: number; symbol: string; approved: true }
  | { type: 'RiskDecision'; ts: number; symbol: string; approved: false; layer: string; rule: string; reason: string }
  | { type: 'PositionUpdate'; ts: number; symbol: string; qty: number; avgPrice: number; lastPrice: number; realizedPnl: number }
  | { type: 'Fill'; ts: number; symbol: string; side: string; qty: number; price: number; fee: number; purpose: string }
  | { type: 'OrderUpdate'; ts: number; clientOrderId: string; symbol: string; status: string; reason?: string }
  | { type: 'EquitySnapshot'; ts: number; equity: number }
  | { type: 'StateTransition'; ts: number; actor: string; from: string; to: string; event: string }
  | { type: 'SessionError'; ts: number; reason: string };

export interface AlertRuleConfig {
  /** Drawdown steps as fractions below the peak, e.g. [0.05, 0.1, 0.15]: each alerted once until equity recovers above it. */
  drawdownSteps: readonly number[];
  /** The breaker's drawdown limit, quoted in the trip alert's body (a fraction). */
  maxDrawdownPct?: number;
}

/** The config's percent steps as fractions, with the breaker's drawdown limit (config/risk.yaml) to quote. */
export function ruleConfig(settings: AlertRuleSettings, maxDrawdownPct?: number): AlertRuleConfig {
  return { drawdownSteps: settings.drawdownStepsPct.map((pct) => pct / 100), maxDrawdownPct };
}

/**
 * Keys of alerts that come from the session process (its lifecycle, its failure) rather than from what the
 * journal derives: crash recovery and `bun run replay` leave them out of the comparison.
 */
export const SESSION_KEY_PREFIX = 'session:';

/**
 * Cancellations the system makes itself, as part of its own bookkeeping: the other leg of a bracket, brackets of a
 * closed position, the end of a backtest's data, the kill switch (alerted as the halt). Anything else cancelled is
 * the venue's doing (or the simulator's, e.g. an entry's remainder beyond the volume cap) and is a WARNING.
 */
const OWN_CANCELLATIONS = [/one cancels other/, /position closed/, /^end of data/, /^operator halt/];

const money = (v: number): string => formatAmount(v, 2);
const pct = (fraction: number, decimals = 1): string => `${(fraction * 100).toFixed(decimals)}%`;
const stepPct = (fraction: number): string => `${Number((fraction * 100).toFixed(4))}%`;
const qty = (v: number): string => String(Number(Math.abs(v).toPrecision(10)));

interface OpenPosition {
  qty: number;
  /** The symbol's realised P&L when the position opened: the closed trade's P&L is the difference. */
  realizedAtOpen: number;
}

export class AlertRules {
  private readonly steps: readonly number[];
  private peakEquity = 0;
  private lastEquity = 0;
  /** How many of the (ascending) drawdown steps equity is currently below. */
  private stepsCrossed = 0;
  private readonly open = new Map<string, OpenPosition>();
  private breakerState = 'trading';
  private reconcileMismatch = false;

  constructor(private readonly config: AlertRuleConfig = ruleConfig(DEFAULT_ALERT_RULES)) {
    const steps = [...config.drawdownSteps].sort((a, b) => a - b);
    for (const step of steps) {
      if (!(step > 0 && step < 1)) throw new Error(`alert drawdown steps must be fractions in (0, 1), got ${step}`);
    }
    this.steps = steps;
  }

  get openPositions(): number {
    return this.open.size;
  }

  /** The alerts one message raises (usually none). EquitySnapshot, on every bar, does O(1) work. */
  observe(m: AlertSource): AlertDraft[] {
    switch (m.type) {
      case 'EquitySnapshot':
        return this.equity(m.ts, m.equity);
      case 'RiskEvent':
        return this.riskEvent(m);
      case 'RiskDecision':
        if (m.approved) return [];
        return [
          {
            key: `reject:${m.rule}:${m.symbol}`,
            level: 'warning',
            title: `Signal rejected: ${m.symbol} by ${m.layer}/${m.rule}`,
            body: m.reason,
            barTs: m.ts,
          },
        ];
      case 'PositionUpdate':
        return this.position(m);
      case 'Fill':
        if (m.purpose !== 'stop_loss') return [];
        return [
          {
            key: `stop:${m.symbol}`,
            level: 'info',
            title: `Stop-loss hit: ${m.symbol}`,
            body: `${m.side} ${qty(m.qty)} at ${money(m.price)} (fee ${money(m.fee)})`,
            barTs: m.ts,
          },
        ];
      case 'OrderUpdate':
        return this.orderUpdate(m);
      case 'StateTransition':
        return m.actor === 'session' ? this.session(m) : [];
      case 'SessionError':
        return [
          {
            key: `${SESSION_KEY_PREFIX}error`,
            level: 'critical',
            title: 'Session stopped by an error',
            body: `${m.reason}; ${this.book()}`,
            barTs: m.ts,
          },
        ];
      default:
        return [];
    }
  }

  private book(): string {
    const positions = `${this.open.size} open position${this.open.size === 1 ? '' : 's'}`;
    // Before the first bar there is no equity figure yet (a session that just started).
    return this.peakEquity > 0 ? `equity ${money(this.lastEquity)}, ${positions}` : positions;
  }

  private equity(ts: number, equity: number): AlertDraft[] {
    this.lastEquity = equity;
    if (equity > this.peakEquity) this.peakEquity = equity;
    if (this.steps.length === 0 || this.peakEquity <= 0) return [];
    const drawdown = (this.peakEquity - equity) / this.peakEquity;
    // Recovery first: a step is re-armed once equity is back above it.
    while (this.stepsCrossed > 0 && drawdown < this.steps[this.stepsCrossed - 1]!) this.stepsCrossed--;
    if (this.stepsCrossed >= this.steps.length || drawdown < this.steps[this.stepsCrossed]!) return [];
    const out: AlertDraft[] = [];
    while (this.stepsCrossed < this.steps.length && drawdown >= this.steps[this.stepsCrossed]!) {
      const step = this.steps[this.stepsCrossed]!;
      out.push({
        key: `drawdown:${stepPct(step)}`,
        level: 'warning',
        title: `Drawdown past −${stepPct(step)}`,
        body: `equity ${money(equity)} is ${pct(drawdown)} below the peak ${money(this.peakEquity)} (step −${stepPct(step)})`,
        barTs: ts,
      });
      this.stepsCrossed++;
    }
    return out;
  }

  private riskEvent(m: Extract<AlertSource, { type: 'RiskEvent' }>): AlertDraft[] {
    const before = this.breakerState;
    switch (m.kind) {
      case 'breaker_tripped': {
        this.breakerState = m.state;
        if (m.state === 'halted.manual') {
          return [{ key: 'breaker:halted.manual', level: 'critical', title: 'Kill switch: trading halted', body: `${m.reason}; ${this.book()}`, barTs: m.ts }];
        }
        const what = m.state === 'halted.drawdown' ? 'drawdown' : m.state === 'halted.dailyLoss' ? 'daily loss' : m.state;
        return [{ key: `breaker:${m.state}`, level: 'critical', title: `Circuit breaker tripped: ${what}`, body: this.tripBody(m), barTs: m.ts }];
      }
      case 'breaker_lifted':
      case 'breaker_reset': {
        this.breakerState = m.state;
        const manual = before === 'halted.manual';
        const title = manual
          ? 'Kill switch lifted: trading resumed'
          : m.kind === 'breaker_reset'
            ? `Circuit breaker reset (was ${before})`
            : `Circuit breaker lifted (was ${before})`;
        const key = manual ? 'breaker:resumed' : `breaker:${m.kind === 'breaker_reset' ? 'reset' : 'lifted'}:${before}`;
        return [{ key, level: 'info', title, body: `${m.reason}; ${this.book()}`, barTs: m.ts }];
      }
      case 'feed_stale':
        return [{ key: 'feed:stale', level: 'warning', title: 'Feed stale: no new entries', body: m.reason, barTs: m.ts }];
      case 'feed_fresh':
        return [{ key: 'feed:fresh', level: 'info', title: 'Feed back: bars arriving again', body: m.reason, barTs: m.ts }];
      case 'reconcile_mismatch':
        this.reconcileMismatch = true;
        return [{ key: 'reconcile:mismatch', level: 'critical', title: 'Reconciliation: venue and journal differ', body: m.reason, barTs: m.ts }];
      case 'reconcile_ok': {
        const was = this.reconcileMismatch;
        this.reconcileMismatch = false;
        return was ? [{ key: 'reconcile:ok', level: 'info', title: 'Reconciliation: venue and journal agree again', body: m.reason, barTs: m.ts }] : [];
      }
      case 'venue_adopted':
        return [{ key: 'reconcile:adopted', level: 'warning', title: "Venue state adopted as the truth", body: m.reason, barTs: m.ts }];
      default:
        return [];
    }
  }

  private tripBody(m: { state: string; reason: string }): string {
    if (m.state === 'halted.drawdown' && this.peakEquity > 0) {
      const drawdown = (this.peakEquity - this.lastEquity) / this.peakEquity;
      const limit = this.config.maxDrawdownPct === undefined ? '' : ` (limit ${stepPct(this.config.maxDrawdownPct)})`;
      return `equity ${money(this.lastEquity)} is ${pct(drawdown)} below the peak ${money(this.peakEquity)}${limit}; new entries halted until a reset`;
    }
    if (m.state === 'halted.dailyLoss') {
      // The breaker's reason already names the loss, the day's opening equity and the limit.
      return `${m.reason}; equity ${money(this.lastEquity)}; new entries halted until the next UTC day`;
    }
    return m.reason;
  }

  private position(m: Extract<AlertSource, { type: 'PositionUpdate' }>): AlertDraft[] {
    const held = this.open.get(m.symbol);
    if (held === undefined && m.qty !== 0) {
      // The symbol's realised P&L before this position: what the closing alert subtracts.
      this.open.set(m.symbol, { qty: m.qty, realizedAtOpen: m.realizedPnl });
      return [
        {
          key: `position:opened:${m.symbol}`,
          level: 'info',
          title: `Position opened: ${m.symbol} ${m.qty > 0 ? 'long' : 'short'} ${qty(m.qty)}`,
          body: `${qty(m.qty)} at ${money(m.avgPrice)} (${money(Math.abs(m.qty) * m.avgPrice)})`,
          barTs: m.ts,
        },
      ];
    }
    if (held !== undefined && m.qty === 0) {
      this.open.delete(m.symbol);
      const pnl = m.realizedPnl - held.realizedAtOpen;
      return [
        {
          key: `position:closed:${m.symbol}`,
          level: 'info',
          title: `Position closed: ${m.symbol} ${pnl >= 0 ? '+' : ''}${money(pnl)}`,
          body: `${qty(held.qty)} closed at ${money(m.lastPrice)}; realised P&L ${money(pnl)}`,
          barTs: m.ts,
        },
      ];
    }
    if (held !== undefined) held.qty = m.qty;
    return [];
  }

  private orderUpdate(m: Extract<AlertSource, { type: 'OrderUpdate' }>): AlertDraft[] {
    if (m.status !== 'rejected' && m.status !== 'cancelled') return [];
    const reason = m.reason ?? '';
    if (m.status === 'cancelled' && OWN_CANCELLATIONS.some((own) => own.test(reason))) return [];
    return [
      {
        key: `order:${m.status}:${m.symbol}`,
        level: 'warning',
        title: `Order ${m.status}: ${m.symbol}`,
        body: `${m.clientOrderId}: ${reason || 'no reason given'}`,
        barTs: m.ts,
      },
    ];
  }

  private session(m: Extract<AlertSource, { type: 'StateTransition' }>): AlertDraft[] {
    if (m.to === 'trading' && m.from === 'warmingUp') {
      return [{ key: `${SESSION_KEY_PREFIX}started`, level: 'info', title: 'Session started', body: this.book(), barTs: m.ts }];
    }
    if (m.to === 'stopped') {
      return [{ key: `${SESSION_KEY_PREFIX}stopped`, level: 'info', title: 'Session stopped', body: this.book(), barTs: m.ts }];
    }
    return [];
  }
}
