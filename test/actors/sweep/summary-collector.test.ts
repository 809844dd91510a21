// A sweep combination keeps its equity curve and fills in a summary collector instead of the event batcher's rows:
// what it keeps must be exactly what the batcher would have written to a run DB, one equity point per timestamp.
import { describe, expect, test } from 'bun:test';
import type { EquitySnapshot, Fill, MarketData } from '../../../actors/messages.ts';
import { createPipeline } from '../../../actors/pipeline.ts';
import { createSummaryCollector } from '../../../actors/sweep/summary-collector.ts';
import { createEventBatcher, newRowBatch, type RecordedType, type Row } from '../../../db/events.ts';
import type { CostModel, Market } from '../../../machines/domain.ts';
import type { RiskLimits } from '../../../machines/risk/limits.ts';
import type { SignalProposal, Strategy } from '../../../machines/strategies/strategy.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2021, 0, 1);
const SYMBOLS = ['AAA/USD', 'BBB/USD'];

function bar(symbol: string, i: number, close: number): MarketData {
  return {
    type: 'MarketData', symbol, timeframe: '1d', ts: T0 + i * DAY, closeTs: T0 + (i + 1) * DAY,
    open: close - 1, high: close + 2, low: close - 2, close, volume: 1,
  };
}

/** Buys each symbol on its second bar and closes on its fifth, so both hold positions over shared timestamps. */
const buyThenClose: Strategy<{ i: number }> = {
  name: 'scripted',
  warmupBars: 0,
  init: () => ({ i: -1 }),
  onBar(state, b, phase): SignalProposal | undefined {
    state.i++;
    if (state.i === 1 && phase === 'flat') return { action: 'BUY', confidence: 1, stopLoss: b.close * 0.5, reason: 'in' };
    if (state.i === 4 && phase === 'long') return { action: 'CLOSE', confidence: 1, reason: 'out' };
    return undefined;
  },
};

const limits: RiskLimits = {
  positionMaxPct: 0.1, requireStopLoss: true, symbolMaxPct: 0.15, portfolioMaxInvestedPct: 0.8, maxDailyLossPct: 0.5, maxDrawdownPct: 0.9,
};
const costs: CostModel = { slippageBps: 10, commissionBps: 10, commissionPerShare: 0, minCommission: 0 };
const market = (symbol: string): Market => ({ symbol, kind: 'crypto', exchange: 'test', amountStep: 1e-8, priceStep: 0.01, minQty: 1e-8, minNotional: 1 });

/** The batcher's rows, as a sweep combination's batcher kept them before the collector. */
function batcherRows() {
  const rows = newRowBatch();
  const writer = createEventBatcher('run', Number.POSITIVE_INFINITY, () => ({ push: (type: RecordedType, row: Row) => void rows.get(type)!.push(row) }), () => {});
  return { writer, rows };
}

describe('the summary collector of a sweep combination', () => {
  test('keeps the same equity points and fills the event batcher writes, with two symbols closing at each timestamp', () => {
    const collector = createSummaryCollector();
    const batcher = batcherRows();
    const pipeline = createPipeline({
      strategy: buyThenClose,
      limits,
      markets: new Map(SYMBOLS.map((s) => [s, market(s)])),
      costs: new Map(SYMBOLS.map((s) => [s, costs])),
      startingCash: 10_000,
      orderIdPrefix: 't-',
      writer: collector,
      tap: (m) => batcher.writer.append(m),
    });
    const closes = [100, 90, 95, 110, 120, 118, 121];
    closes.forEach((c, i) => SYMBOLS.forEach((s, k) => pipeline.push(bar(s, i, c + k * 7))));
    pipeline.end(T0 + closes.length * DAY);
    batcher.writer.flush();

    const curve = collector.curve();
    const equityRows = batcher.rows.get('EquitySnapshot')!;
    // One point per timestamp although each bar of each symbol produced a snapshot.
    expect(equityRows).toHaveLength(closes.length);
    expect([...curve.ts]).toEqual(equityRows.map((r) => r.ts as number));
    expect([...curve.equity]).toEqual(equityRows.map((r) => r.equity as number));
    expect([...curve.grossExposure]).toEqual(equityRows.map((r) => r.grossExposure as number));
    expect(curve.grossExposure.some((g) => g > 0)).toBe(true);

    const fillRows = batcher.rows.get('Fill')!;
    expect(fillRows.length).toBe(4);
    const kept: Row[] = collector.fills.map((f) => ({ ts: f.ts, symbol: f.symbol, side: f.side, qty: f.qty, price: f.price, fee: f.fee }));
    expect(kept).toEqual(fillRows.map((r) => ({ ts: r.ts, symbol: r.symbol, side: r.side, qty: r.qty, price: r.price, fee: r.fee })));
  });

  test('the last snapshot of a timestamp is the point; a flush keeps the pending one; columns are exactly as long as the curve', () => {
    const collector = createSummaryCollector();
    const snap = (ts: number, equity: number): EquitySnapshot => ({
      type: 'EquitySnapshot', ts, cash: equity, positionsValue: 0, equity, grossExposure: ts, realizedPnl: 0, unrealizedPnl: 0, fees: 0,
    });
    const points = 3000; // past the initial capacity, so the columns grow
    for (let ts = 1; ts <= points; ts++) {
      collector.append(snap(ts, 1));
      collector.append(snap(ts, 1000 + ts));
    }
    expect(collector.buffered).toBe(1);
    collector.flush();
    const curve = collector.curve();
    expect(curve.ts.length).toBe(points);
    expect(curve.equity.length).toBe(points);
    expect(curve.equity[0]).toBe(1001);
    expect(curve.equity[points - 1]).toBe(1000 + points);
    expect(curve.grossExposure[points - 1]).toBe(points);
    // Each column on its own buffer, so a worker can transfer them.
    expect(curve.ts.buffer).not.toBe(curve.equity.buffer);
    expect(curve.ts.buffer.byteLength).toBe(points * 8);
  });

  test('sized for the curve it gets, it hands over its columns whole; sized short or long, the curve is the same', () => {
    const snap = (ts: number): EquitySnapshot => ({
      type: 'EquitySnapshot', ts, cash: 0, positionsValue: 0, equity: 100 + ts, grossExposure: 0, realizedPnl: 0, unrealizedPnl: 0, fees: 0,
    });
    const curves = [1, 50, 100, 150].map((capacity) => {
      const collector = createSummaryCollector(capacity);
      for (let ts = 1; ts <= 100; ts++) collector.append(snap(ts));
      collector.flush();
      return collector.curve();
    });
    for (const curve of curves) {
      expect(curve.ts.length).toBe(100);
      expect(curve.ts.buffer.byteLength).toBe(800);
      expect([...curve.equity]).toEqual(Array.from({ length: 100 }, (_, i) => 101 + i));
    }
  });

  test('is sent only equity snapshots and fills (and EndOfData, to flush)', () => {
    const collector = createSummaryCollector();
    const fill = { type: 'Fill', ts: 1, symbol: 'AAA/USD', side: 'buy', qty: 1, price: 10, fee: 0.01 } as Fill;
    expect(['EquitySnapshot', 'Fill'].every((t) => collector.records!(t as Fill['type']))).toBe(true);
    expect(['MarketData', 'PositionMark', 'Signal', 'Order', 'StateTransition'].some((t) => collector.records!(t as Fill['type']))).toBe(false);
    collector.append(fill);
    expect(collector.fills).toEqual([fill]);
  });
});
