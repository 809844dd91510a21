// The assembled actor pipeline on tiny hand-made series, where every number can be checked by hand.
import { describe, expect, test } from 'bun:test';
import type { MarketData, PipelineMessage, RiskDecision, RiskEvent } from '../../actors/messages.ts';
import { createPipeline } from '../../actors/pipeline.ts';
import type { EventWriter } from '../../db/events.ts';
import type { CostModel, Market } from '../../machines/domain.ts';
import { breakerStateName } from '../../machines/risk/circuit-breaker.machine.ts';
import type { RiskLimits } from '../../machines/risk/limits.ts';
import type { SignalProposal, Strategy } from '../../machines/strategies/strategy.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2020, 0, 1);

function bar(i: number, o: number, h: number, l: number, c: number): MarketData {
  return {
    type: 'MarketData', symbol: 'TEST/USD', timeframe: '1d', ts: T0 + i * DAY, closeTs: T0 + (i + 1) * DAY,
    open: o, high: h, low: l, close: c, volume: 1,
  };
}

/** Proposes BUY on the listed bar indexes (when flat), CLOSE on others listed. */
function scripted(buyAt: number[], closeAt: number[] = [], stopPct = 0.5): Strategy<{ i: number }> {
  return {
    name: 'scripted',
    warmupBars: 0,
    init: () => ({ i: -1 }),
    onBar(state, b, phase): SignalProposal | undefined {
      state.i++;
      if (buyAt.includes(state.i) && phase === 'flat') {
        return { action: 'BUY', confidence: 1, stopLoss: b.close * (1 - stopPct), reason: `bar ${state.i}` };
      }
      if (closeAt.includes(state.i) && phase === 'long') return { action: 'CLOSE', confidence: 1, reason: 'exit' };
      return undefined;
    },
  };
}

const market: Market = {
  symbol: 'TEST/USD', kind: 'crypto', exchange: 'test', amountStep: 1e-8, priceStep: 0.01, minQty: 1e-8, minNotional: 1,
};
const costs: CostModel = { slippageBps: 10, commissionBps: 10, commissionPerShare: 0, minCommission: 0 };
const seedLimits: RiskLimits = {
  positionMaxPct: 0.1, requireStopLoss: true, symbolMaxPct: 0.15, portfolioMaxInvestedPct: 0.8,
  maxDailyLossPct: 0.05, maxDrawdownPct: 0.2,
};

function run(strategy: Strategy<{ i: number }>, bars: MarketData[], limits = seedLimits, costModel = costs) {
  const messages: PipelineMessage[] = [];
  const pipeline = createPipeline({
    strategy, limits, markets: new Map([['TEST/USD', market]]), costs: new Map([['TEST/USD', costModel]]),
    startingCash: 10_000, orderIdPrefix: 't-', tap: (m) => messages.push(m),
  });
  return { pipeline, messages, feed: (list: MarketData[]) => list.forEach((b) => pipeline.push(b)), bars };
}

describe('pipeline', () => {
  test('a signal on bar t fills at the open of bar t+1, never at the close of bar t', () => {
    const bars = [bar(0, 100, 101, 99, 100), bar(1, 120, 125, 119, 121), bar(2, 121, 122, 120, 121)];
    const { messages, feed } = run(scripted([0]), bars);
    feed(bars);
    const signal = messages.find((m) => m.type === 'Signal')!;
    const fill = messages.find((m) => m.type === 'Fill')!;
    expect(signal.ts).toBe(bars[0]!.closeTs);
    expect(fill.ts).toBe(bars[1]!.ts);
    expect(fill.price).toBeCloseTo(120 * 1.001, 10);
    // Sized on the signal close (10% of 10,000 at 100), rounded down to the amount step.
    expect(fill.qty).toBeCloseTo(10, 8);
    expect(fill.fee).toBeCloseTo(10 * 120 * 1.001 * 0.001, 10);
  });

  test('the order is still working when only the signal bar has been seen', () => {
    const bars = [bar(0, 100, 101, 99, 100)];
    const { messages, feed } = run(scripted([0]), bars);
    feed(bars);
    expect(messages.some((m) => m.type === 'Order')).toBe(true);
    expect(messages.some((m) => m.type === 'Fill')).toBe(false);
  });

  test('a stop touched inside a bar fills at the stop minus slippage, and cancels nothing else', () => {
    const bars = [bar(0, 100, 101, 99, 100), bar(1, 100, 101, 99, 100), bar(2, 99, 99, 40, 45)];
    const { messages, feed } = run(scripted([0], [], 0.1), bars);
    feed(bars);
    const stopFill = messages.find((m) => m.type === 'Fill' && m.purpose === 'stop_loss');
    expect(stopFill).toBeDefined();
    expect(stopFill!.type === 'Fill' && stopFill!.price).toBeCloseTo(90 * 0.999, 8);
    const last = messages.filter((m) => m.type === 'PositionUpdate').at(-1)!;
    expect(last.type === 'PositionUpdate' && last.qty).toBe(0);
  });

  test('a CLOSE signal exits at the next open and cancels the protective stop', () => {
    const bars = [bar(0, 100, 101, 99, 100), bar(1, 100, 101, 99, 100), bar(2, 100, 101, 99, 100), bar(3, 105, 106, 104, 105)];
    const { messages, feed } = run(scripted([0], [2]), bars);
    feed(bars);
    const exit = messages.find((m) => m.type === 'Fill' && m.purpose === 'exit');
    expect(exit?.type === 'Fill' && exit.ts).toBe(bars[3]!.ts);
    const cancelled = messages.filter((m) => m.type === 'OrderUpdate' && m.status === 'cancelled');
    expect(cancelled.map((m) => m.type === 'OrderUpdate' && m.clientOrderId)).toEqual(['t-1-sl']);
  });

  test('orders that are done leave nothing behind in the executor or the risk manager, however many a session places', () => {
    // Buy every fourth bar and close two bars later: 50 round trips, each with a protective stop that is
    // cancelled by the exit; then one more entry closed by a flatten halt, whose closing order the executor
    // publishes itself.
    const buys = Array.from({ length: 50 }, (_, k) => 4 * k);
    const bars = Array.from({ length: 203 }, (_, i) => bar(i, 100, 101, 99, 100));
    const { pipeline, messages, feed } = run(scripted([...buys, 199], buys.map((b) => b + 2)), bars);
    feed(bars.slice(0, 201));
    pipeline.publish({ type: 'OperatorHalt', ts: bars[200]!.closeTs, reason: 'test', flatten: true });
    feed(bars.slice(201));

    const orders = messages.filter((m) => m.type === 'Order');
    const accepted = messages.filter((m) => m.type === 'OrderUpdate' && m.status === 'accepted');
    expect(orders.length).toBe(50 * 3 + 3); // entry, stop leg, exit per trip; the last entry, its stop, the flatten
    expect(accepted.map((m) => m.type === 'OrderUpdate' && m.clientOrderId)).toEqual(orders.map((o) => o.type === 'Order' && o.clientOrderId));
    expect(messages.filter((m) => m.type === 'Fill').at(-1)).toMatchObject({ clientOrderId: 't-flatten-1', ts: bars[201]!.ts });

    const executor = pipeline.get('executor').getSnapshot().context as {
      orders: number; ownEchoes: Set<string>; queued: Map<string, unknown>; brackets: Map<string, unknown>;
    };
    expect(executor.orders).toBe(orders.length);
    expect(executor.ownEchoes.size).toBe(0);
    expect(executor.queued.size).toBe(0);
    expect(executor.brackets.size).toBe(0);
    expect((pipeline.get('risk').getSnapshot().context as { pending: Map<string, unknown> }).pending.size).toBe(0);
  });

  test('the circuit breaker trips on a daily loss, lifts next day, halts on drawdown and resets on command', () => {
    // All-in limits so one position can move equity past the breaker thresholds.
    const limits: RiskLimits = { ...seedLimits, positionMaxPct: 1, symbolMaxPct: 1, portfolioMaxInvestedPct: 1 };
    const strategy = scripted([0, 3, 5, 7], [], 0.9);
    const bars = [
      bar(0, 100, 100, 100, 100), // BUY signal
      bar(1, 100, 100, 90, 90), //   filled at ~100, -10% on the day → halted.dailyLoss
      bar(2, 90, 95, 88, 94), //     new day → trading
      bar(3, 94, 94, 70, 72), //     drawdown ~-28% → halted.drawdown; the BUY proposal is ignored (still long)
      bar(4, 72, 80, 70, 75), //     new day: drawdown halt stays
    ];
    const { pipeline, messages, feed } = run(strategy, bars, limits);
    feed(bars);
    const breaker = pipeline.get('circuitBreaker');
    const events = messages.filter((m): m is RiskEvent => m.type === 'RiskEvent');
    expect(events.map((e) => `${e.kind}:${e.state}`)).toEqual([
      'breaker_tripped:halted.dailyLoss',
      'breaker_lifted:trading',
      'breaker_tripped:halted.drawdown',
    ]);
    expect(breakerStateName(breaker.getSnapshot().value)).toBe('halted.drawdown');
    expect(events[2]!.level).toBe('critical');

    // Close the position, then an entry is refused by the system layer while halted.
    pipeline.publish({ type: 'Signal', id: 'manual-close', ts: bars[4]!.closeTs, strategy: 'manual', symbol: 'TEST/USD',
      action: 'CLOSE', confidence: 1, price: 75, reason: 'operator' });
    pipeline.push(bar(5, 76, 77, 75, 76));
    const refused = messages.filter((m): m is RiskDecision => m.type === 'RiskDecision' && !m.approved);
    expect(refused.at(-1)).toMatchObject({ approved: false, layer: 'system', rule: 'circuit_breaker' });

    pipeline.publish({ type: 'ResetCircuitBreaker', ts: bars[5]?.closeTs ?? T0 + 6 * DAY, reason: 'operator reviewed' });
    expect(breakerStateName(breaker.getSnapshot().value)).toBe('trading');
    pipeline.push(bar(6, 76, 77, 75, 76));
    pipeline.push(bar(7, 76, 77, 75, 76));
    const decisions = messages.filter((m): m is RiskDecision => m.type === 'RiskDecision');
    expect(decisions.at(-1)).toMatchObject({ approved: true });
  });

  test('a thin bar fills an entry only up to its volume share and cancels the rest; the exit works until flat', () => {
    const thin: CostModel = { ...costs, maxVolumeParticipation: 0.1 };
    const withVolume = (b: MarketData, volume: number): MarketData => ({ ...b, volume });
    const bars = [
      withVolume(bar(0, 100, 101, 99, 100), 1000), // BUY 10 units (10% of 10,000 at 100)
      withVolume(bar(1, 100, 101, 99, 100), 40), //   only 4 can fill: remainder cancelled
      withVolume(bar(2, 100, 101, 99, 100), 1000), // CLOSE proposed here
      withVolume(bar(3, 100, 101, 99, 100), 30), //   exit fills 3 of 4
      withVolume(bar(4, 100, 101, 99, 100), 30), //   and the last 1
    ];
    const { pipeline, messages, feed } = run(scripted([0], [2]), bars, seedLimits, thin);
    feed(bars);
    const fills = messages.filter((m) => m.type === 'Fill').map((m) => m.type === 'Fill' && `${m.purpose} ${m.qty} @${m.ts}`);
    expect(fills).toEqual([
      `entry 4 @${bars[1]!.ts}`,
      `exit 3 @${bars[3]!.ts}`,
      `exit 1 @${bars[4]!.ts}`,
    ]);
    const entryUpdates = messages.filter((m) => m.type === 'OrderUpdate' && m.clientOrderId === 't-1');
    expect(entryUpdates.map((m) => m.type === 'OrderUpdate' && m.status)).toEqual(['accepted', 'cancelled']);
    const stopLeg = messages.find((m) => m.type === 'Order' && m.purpose === 'stop_loss');
    expect(stopLeg?.type === 'Order' && stopLeg.qty).toBe(4);
    const strategyPhase = pipeline.get('strategy').getSnapshot().context as { symbols: Map<string, { phase: string }> };
    expect(strategyPhase.symbols.get('TEST/USD')!.phase).toBe('flat');
  });

  test('a bar with a NaN price stops the run with a message naming the symbol and field', () => {
    const { pipeline } = run(scripted([]), []);
    expect(() => pipeline.push({ ...bar(0, 100, 101, 99, 100), close: Number.NaN })).toThrow(
      /TEST\/USD 1d bar at 2020-01-01T00:00:00.000Z: close is NaN/,
    );
  });

  test('a bar older than one already delivered is refused', () => {
    const { pipeline } = run(scripted([]), []);
    pipeline.push(bar(1, 100, 101, 99, 100));
    expect(() => pipeline.push(bar(0, 100, 101, 99, 100))).toThrow(/not after the previous bar/);
  });
});

describe('operator and feed-health inputs', () => {
  test('a stale feed raises a risk event and rejects entries until fresh data arrives', () => {
    const bars = [0, 1, 2, 3, 4].map((i) => bar(i, 100, 101, 99, 100));
    const { pipeline, messages, feed } = run(scripted([1, 3]), bars);
    feed(bars.slice(0, 1));
    pipeline.publish({ type: 'FeedStatus', ts: bars[0]!.closeTs, stale: true, reason: 'no new bar for 120 s' });
    feed(bars.slice(1, 2));
    pipeline.publish({ type: 'FeedStatus', ts: bars[1]!.closeTs, stale: false, reason: 'bars are arriving again' });
    feed(bars.slice(2, 5));
    const events = messages.filter((m): m is RiskEvent => m.type === 'RiskEvent').map((e) => `${e.kind}:${e.level}`);
    expect(events).toEqual(['feed_stale:warning', 'feed_fresh:info']);
    const decisions = messages.filter((m): m is RiskDecision => m.type === 'RiskDecision');
    expect(decisions.map((d) => d.approved)).toEqual([false, true]);
    expect(decisions[0]!.approved === false && decisions[0]!.reason).toBe('feed.stale: no new bar for 120 s');
  });

  test('an operator halt cancels a working entry and keeps the stop; with flatten it closes the position at the next open', () => {
    const bars = [0, 1, 2, 3, 4].map((i) => bar(i, 100 + i, 102 + i, 99 + i, 100 + i));
    const { pipeline, messages, feed } = run(scripted([0, 2]), bars);
    feed(bars.slice(0, 3)); // entry decided on bar 0 fills at bar 1's open; bar 2 decides nothing (already long)
    pipeline.publish({ type: 'OperatorHalt', ts: bars[2]!.closeTs, reason: 'drill', flatten: false });
    const stopCancelled = messages.some((m) => m.type === 'OrderUpdate' && m.status === 'cancelled' && m.clientOrderId.endsWith('-sl'));
    expect(stopCancelled).toBe(false);
    pipeline.publish({ type: 'OperatorHalt', ts: bars[2]!.closeTs, reason: 'drill', flatten: true });
    feed(bars.slice(3, 4));
    const fills = messages.filter((m) => m.type === 'Fill');
    expect(fills.map((f) => (f.type === 'Fill' ? `${f.side}@${f.ts === bars[3]!.ts ? 'bar3' : f.ts}` : ''))).toEqual([
      `buy@${bars[1]!.ts}`,
      'sell@bar3',
    ]);
    const flat = messages.filter((m) => m.type === 'PositionUpdate').at(-1);
    expect(flat?.type === 'PositionUpdate' && flat.qty).toBe(0);
    expect(messages.some((m) => m.type === 'OrderUpdate' && m.status === 'cancelled' && m.clientOrderId.endsWith('-sl'))).toBe(true);
  });
});

describe('what the recorder is sent', () => {
  function recordingWriter(records?: (type: PipelineMessage['type']) => boolean) {
    const appended: PipelineMessage['type'][] = [];
    let flushes = 0;
    const writer: EventWriter = {
      append: (m) => void appended.push(m.type),
      flush: () => void flushes++,
      buffered: 0,
      written: 0,
      ...(records ? { records } : {}),
    };
    return { writer, appended, flushes: () => flushes };
  }

  function runWith(writer: EventWriter) {
    const bars = [0, 1, 2, 3, 4].map((i) => bar(i, 100 + i, 102 + i, 99 + i, 100 + i));
    const seen: PipelineMessage['type'][] = [];
    const pipeline = createPipeline({
      strategy: scripted([0], [2]), limits: seedLimits, markets: new Map([['TEST/USD', market]]), costs: new Map([['TEST/USD', costs]]),
      startingCash: 10_000, orderIdPrefix: 't-', writer, tap: (m) => seen.push(m.type),
    });
    bars.forEach((b) => pipeline.push(b));
    pipeline.end(bars.at(-1)!.closeTs);
    return seen;
  }

  test('a writer that keeps only fills and equity is sent only those, and EndOfData to flush', () => {
    const kept = recordingWriter((type) => type === 'Fill' || type === 'EquitySnapshot');
    const seen = runWith(kept.writer);
    expect(new Set(kept.appended)).toEqual(new Set(['Fill', 'EquitySnapshot']));
    expect(kept.appended.filter((t) => t === 'Fill').length).toBe(seen.filter((t) => t === 'Fill').length);
    expect(kept.appended.filter((t) => t === 'EquitySnapshot').length).toBe(seen.filter((t) => t === 'EquitySnapshot').length);
    expect(kept.flushes()).toBe(1);
  });

  test('marks nobody takes (no tap, a writer that keeps no marks) are not built; a tap or a full writer takes them', () => {
    const heardMarks = (writer: EventWriter, tap?: (m: PipelineMessage) => void) => {
      const pipeline = createPipeline({
        strategy: scripted([0]), limits: seedLimits, markets: new Map([['TEST/USD', market]]), costs: new Map([['TEST/USD', costs]]),
        startingCash: 10_000, orderIdPrefix: 't-', writer, tap,
      });
      const { heard } = pipeline.get('portfolio').getSnapshot().context as { heard: (type: PipelineMessage['type']) => boolean };
      return heard('PositionMark');
    };
    const sweepLike = () => recordingWriter((type) => type === 'Fill' || type === 'EquitySnapshot').writer;
    expect(heardMarks(sweepLike())).toBe(false);
    expect(heardMarks(sweepLike(), () => {})).toBe(true);
    expect(heardMarks(recordingWriter().writer)).toBe(true);
  });

  test('a writer that records everything is sent every routed type, marks and signals included', () => {
    const all = recordingWriter();
    runWith(all.writer);
    for (const type of ['Signal', 'RiskDecision', 'Order', 'OrderUpdate', 'Fill', 'PositionUpdate', 'PositionMark', 'EquitySnapshot', 'StateTransition'] as const) {
      expect(all.appended).toContain(type);
    }
    expect(all.flushes()).toBe(1);
  });
});
