// Whole backtests on the real shared candles, checked message by message: accounting, risk limits,
// no lookahead, and that the run DB holds the whole event history.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { Database } from 'bun:sqlite';
import { loadRiskLimits, loadStrategy, loadVenueConfig } from '../../actors/adapters/config.ts';
import { runBacktest, type BacktestResult } from '../../actors/backtest.ts';
import type { Fill, MarketData, Order, PipelineMessage } from '../../actors/messages.ts';
import { formatPct } from '../../web/report/render-report.ts';
import { marketDbWithRealData, tempDir } from '../support/real-data.ts';

const limits = loadRiskLimits();
const venue = loadVenueConfig();
const marketDb = marketDbWithRealData();
const outDir = tempDir();
const CAPITAL = 100_000;

interface Run {
  result: BacktestResult;
  messages: PipelineMessage[];
}

async function backtest(symbols: string[], from: string, to: string): Promise<Run> {
  const messages: PipelineMessage[] = [];
  const result = runBacktest({
    runId: `t-${symbols.join('-').replace('/', '')}-${from}`,
    strategy: (await loadStrategy('mean_reversion')).strategy,
    strategyParams: {},
    symbols,
    timeframe: '1d',
    fromTs: Date.parse(`${from}T00:00:00Z`),
    toTs: Date.parse(`${to}T23:59:59Z`),
    capital: CAPITAL,
    limits,
    venue,
    marketDb,
    outDir,
    startedAt: 0,
    tap: (m) => messages.push(m),
  });
  return { result, messages };
}

const runs: Record<string, Promise<Run>> = {
  btc: backtest(['BTC/USD'], '2016-01-01', '2024-12-31'),
  stocks: backtest(['NVDA', 'ORCL', 'YHOO'], '2005-01-01', '2014-12-31'),
  mixed: backtest(['BTC/USD', 'ORCL'], '2012-01-01', '2014-12-31'),
};

const TOL = 1e-6;

for (const [name, pending] of Object.entries(runs)) {
  describe(`backtest on real data: ${name}`, () => {
    test('trades and reports the summary fields', async () => {
      const { result } = await pending;
      expect(result.summary.trades).toBeGreaterThan(0);
      for (const key of [
        'run_id', 'db', 'report', 'start_equity', 'final_equity', 'total_return', 'cagr', 'sharpe', 'sortino',
        'max_drawdown', 'calmar', 'trades', 'win_rate', 'profit_factor', 'expectancy', 'exposure', 'fees',
      ]) {
        expect(result.summary).toHaveProperty(key);
      }
      expect(result.summary.max_drawdown).toBeLessThanOrEqual(0);
    });

    test('cash + position value = equity on every bar, by an independent ledger', async () => {
      const { messages } = await pending;
      let cash = CAPITAL;
      let fees = 0;
      const qty = new Map<string, number>();
      const last = new Map<string, number>();
      let checked = 0;
      for (const m of messages) {
        if (m.type === 'Fill') {
          const signed = m.side === 'buy' ? m.qty : -m.qty;
          cash -= signed * m.price + m.fee;
          fees += m.fee;
          qty.set(m.symbol, (qty.get(m.symbol) ?? 0) + signed);
        } else if (m.type === 'MarketData') {
          last.set(m.symbol, m.close);
        } else if (m.type === 'EquitySnapshot') {
          let value = 0;
          for (const [symbol, q] of qty) value += q * (last.get(symbol) ?? 0);
          expect(Math.abs(m.cash - cash)).toBeLessThan(TOL * CAPITAL);
          expect(Math.abs(m.positionsValue - value)).toBeLessThan(TOL * CAPITAL);
          expect(Math.abs(m.equity - (m.cash + m.positionsValue))).toBeLessThan(TOL * CAPITAL);
          expect(Math.abs(m.equity - (CAPITAL + m.realizedPnl + m.unrealizedPnl - m.fees))).toBeLessThan(TOL * CAPITAL);
          expect(Math.abs(m.fees - fees)).toBeLessThan(TOL);
          checked++;
        }
      }
      expect(checked).toBe(messages.filter((m) => m.type === 'MarketData').length);
    });

    test('fees in the summary equal the fees on the fills', async () => {
      const { result, messages } = await pending;
      const fillFees = messages.filter((m): m is Fill => m.type === 'Fill').reduce((s, f) => s + f.fee, 0);
      expect(fillFees).toBeGreaterThan(0);
      expect(Math.abs(result.summary.fees - fillFees)).toBeLessThan(TOL);
    });

    test('no order breaks a risk limit that was in force when it was created', async () => {
      const { messages } = await pending;
      let equity = CAPITAL;
      let gross = 0;
      let halted = false;
      const held = new Map<string, number>();
      const pendingNotional = new Map<string, { symbol: string; notional: number; qty: number }>();
      let entries = 0;
      for (const m of messages) {
        if (m.type === 'EquitySnapshot') {
          equity = m.equity;
          gross = m.grossExposure;
        } else if (m.type === 'PositionUpdate') held.set(m.symbol, m.qty);
        else if (m.type === 'RiskEvent') halted = m.state !== 'trading';
        else if (m.type === 'Fill') {
          const p = pendingNotional.get(m.clientOrderId);
          if (p !== undefined) {
            p.notional -= m.qty * (p.notional / p.qty);
            p.qty -= m.qty;
            if (p.qty <= 1e-12) pendingNotional.delete(m.clientOrderId);
          }
        } else if (m.type === 'OrderUpdate' && m.status !== 'accepted') {
          pendingNotional.delete(m.clientOrderId);
        } else if (m.type === 'Order' && m.purpose === 'entry') {
          entries++;
          const notional = m.qty * m.referencePrice;
          const symbolPending = [...pendingNotional.values()].filter((p) => p.symbol === m.symbol);
          const allPending = [...pendingNotional.values()].reduce((s, p) => s + p.notional, 0);
          const symbolHeld = Math.abs(held.get(m.symbol) ?? 0) * m.referencePrice;
          expect(halted).toBe(false);
          expect(m.stopLoss).toBeDefined();
          expect(m.stopLoss!).toBeLessThan(m.referencePrice);
          expect(notional).toBeLessThanOrEqual(limits.positionMaxPct * equity * (1 + 1e-9));
          expect(symbolHeld + symbolPending.reduce((s, p) => s + p.notional, 0) + notional).toBeLessThanOrEqual(
            limits.symbolMaxPct * equity * (1 + 1e-9),
          );
          expect(gross + allPending + notional).toBeLessThanOrEqual(limits.portfolioMaxInvestedPct * equity * (1 + 1e-9));
          pendingNotional.set(m.clientOrderId, { symbol: m.symbol, notional, qty: m.qty });
        }
      }
      expect(entries).toBeGreaterThan(0);
    });

    test('no lookahead: every fill comes from a bar that opened after its order was decided', async () => {
      const { messages } = await pending;
      const orders = new Map<string, Order>();
      const barAt = new Map<string, MarketData>();
      let marketFills = 0;
      for (const m of messages) {
        if (m.type === 'Order') orders.set(m.clientOrderId, m);
        else if (m.type === 'MarketData') barAt.set(`${m.symbol}@${m.ts}`, m);
        else if (m.type === 'Fill') {
          const order = orders.get(m.clientOrderId)!;
          expect(order).toBeDefined();
          expect(m.ts).toBeGreaterThanOrEqual(order.ts);
          const bar = barAt.get(`${m.symbol}@${m.ts}`)!;
          expect(bar).toBeDefined();
          // The bar that filled it closed after the decision: it is not the signal bar.
          expect(bar.closeTs).toBeGreaterThan(order.ts);
          if (order.orderType === 'market') {
            marketFills++;
            const slip = venue.costs[m.symbol === 'BTC/USD' ? 'crypto' : 'stock'].slippageBps / 1e4;
            const expected = m.side === 'buy' ? bar.open * (1 + slip) : bar.open * (1 - slip);
            expect(m.price).toBeCloseTo(expected, 8);
          }
        }
      }
      expect(marketFills).toBeGreaterThan(0);
    });

    test('max drawdown is the peak-to-trough over every equity snapshot in the run DB, as the report charts it', async () => {
      const { result } = await pending;
      const db = new Database(result.summary.db, { readonly: true });
      const equity = db.query<{ equity: number }, []>('SELECT equity FROM equity_snapshots ORDER BY seq').all();
      db.close();
      let peak = Number.NEGATIVE_INFINITY;
      let worst = 0;
      for (const row of equity) {
        peak = Math.max(peak, row.equity);
        worst = Math.min(worst, row.equity / peak - 1);
      }
      expect(worst).toBeLessThan(0);
      const { max_drawdown: maxDrawdown, cagr, calmar } = result.summary;
      expect(maxDrawdown).toBeCloseTo(worst, 12);
      expect(calmar!).toBeCloseTo(cagr! / -worst, 12);
      const html = readFileSync(result.summary.report, 'utf8');
      const chart = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as { drawdown: { y: number[] } };
      expect(chart.drawdown.y.reduce((a, b) => Math.min(a, b))).toBeCloseTo(worst, 12);
      expect(html).toContain(`<tr data-metric="max_drawdown"><th>Max drawdown</th><td>${formatPct(worst)}</td></tr>`);
    });

    test('the run database holds every signal, decision, order, fill and equity point', async () => {
      const { result, messages } = await pending;
      const db = new Database(result.summary.db, { readonly: true });
      const count = (table: string) =>
        db.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${table}`).get()!.n;
      const sent = (type: PipelineMessage['type']) => messages.filter((m) => m.type === type).length;
      expect(count('signals')).toBe(sent('Signal'));
      expect(count('risk_decisions')).toBe(sent('RiskDecision'));
      expect(count('orders')).toBe(sent('Order'));
      expect(count('order_updates')).toBe(sent('OrderUpdate'));
      expect(count('fills')).toBe(sent('Fill'));
      const fillPositions = db.query<{ n: number }, []>("SELECT count(*) AS n FROM positions WHERE source = 'fill'").get()!.n;
      expect(fillPositions).toBe(sent('PositionUpdate'));
      const equityTimes = new Set(messages.filter((m) => m.type === 'EquitySnapshot').map((m) => m.ts));
      expect(count('equity_snapshots')).toBe(equityTimes.size);
      expect(count('state_transitions')).toBe(sent('StateTransition'));
      expect(count('risk_events')).toBe(sent('RiskEvent'));
      expect(count('signals')).toBeGreaterThan(0);
      db.close();
    });
  });
}
