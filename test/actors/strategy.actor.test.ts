import { describe, expect, test } from 'bun:test';
import { createActor } from 'xstate';
import type { MarketData, OrderUpdate, PipelineMessage, PositionUpdate, RiskDecision } from '../../actors/messages.ts';
import { strategyLogic, type StrategyPhase } from '../../actors/strategy.actor.ts';
import type { Market, OrderStatus } from '../../machines/domain.ts';
import type { PositionPhase, Strategy } from '../../machines/strategies/strategy.ts';

const HOUR = 3_600_000;

/**
 * A strategy that ignores its phase so the actor alone must hold back repeat signals:
 * a close below 100 proposes BUY, above 100 CLOSE, at 100 nothing. It logs every call it gets.
 */
function fakeStrategy() {
  const calls: { symbol: string; close: number; phase: PositionPhase }[] = [];
  const strategy: Strategy<{ symbol: string }> = {
    name: 'fake',
    warmupBars: 0,
    init: (symbol) => ({ symbol }),
    onBar(state, bar, phase) {
      calls.push({ symbol: state.symbol, close: bar.close, phase });
      if (bar.close < 100) return { action: 'BUY', confidence: 0.7, stopLoss: bar.close - 5, takeProfit: bar.close + 10, reason: 'cheap' };
      if (bar.close > 100) return { action: 'CLOSE', confidence: 1, reason: 'dear' };
      return undefined;
    },
  };
  return { strategy: strategy as Strategy<unknown>, calls };
}

function start(markets?: ReadonlyMap<string, Market>) {
  const published: PipelineMessage[] = [];
  const transitions: string[] = [];
  const { strategy, calls } = fakeStrategy();
  const publish = (m: PipelineMessage) => {
    if (m.type === 'StateTransition') transitions.push(`${m.actor} ${m.from}→${m.to} ${m.event}`);
    else published.push(m);
  };
  const actor = createActor(strategyLogic, { input: { publish, strategy, markets } });
  actor.start();
  let hour = 0;
  const send = {
    bar(close: number, symbol = 'BTC/USD') {
      const ts = hour++ * HOUR;
      const message: MarketData = { type: 'MarketData', symbol, timeframe: '1h', ts, closeTs: ts + HOUR, open: close, high: close, low: close, close, volume: 1 };
      actor.send(message);
    },
    position(qty: number, symbol = 'BTC/USD', lastPrice = 90) {
      const message: PositionUpdate = { type: 'PositionUpdate', ts: hour * HOUR, symbol, qty, avgPrice: 90, lastPrice, realizedPnl: 0, unrealizedPnl: 0 };
      actor.send(message);
    },
    decision(approved: boolean, symbol = 'BTC/USD') {
      const message: RiskDecision = approved
        ? { type: 'RiskDecision', signalId: 'fake-1', ts: hour * HOUR, symbol, approved: true, qty: 1 }
        : { type: 'RiskDecision', signalId: 'fake-1', ts: hour * HOUR, symbol, approved: false, layer: 'symbol', rule: 'symbol.max_pct', reason: 'full' };
      actor.send(message);
    },
    order(status: OrderStatus, symbol = 'BTC/USD') {
      const message: OrderUpdate = { type: 'OrderUpdate', clientOrderId: 'o-1', ts: hour * HOUR, symbol, status };
      actor.send(message);
    },
  };
  const phase = (symbol = 'BTC/USD'): StrategyPhase | undefined => actor.getSnapshot().context.symbols.get(symbol)?.phase;
  const actions = () => published.map((m) => (m.type === 'Signal' ? `${m.symbol} ${m.action}` : m.type));
  return { actor, published, transitions, calls, send, phase, actions };
}

describe('strategy actor phases', () => {
  test('stays flat and publishes nothing while the strategy proposes nothing', () => {
    const { send, phase, published } = start();
    send.bar(100);
    expect(phase()).toBe('flat');
    expect(published).toEqual([]);
  });

  test('publishes a BUY as a Signal carrying the bar close, its close time and the protective levels', () => {
    const { send, published } = start();
    send.bar(100);
    send.bar(90);
    expect(published).toEqual([
      {
        type: 'Signal',
        id: 'fake-1',
        ts: 2 * HOUR,
        strategy: 'fake',
        symbol: 'BTC/USD',
        action: 'BUY',
        confidence: 0.7,
        price: 90,
        stopLoss: 85,
        takeProfit: 100,
        reason: 'cheap',
      },
    ]);
  });

  test('walks flat → entering → long → exiting → flat with one signal per move', () => {
    const { send, phase, actions } = start();
    const seen: (StrategyPhase | undefined)[] = [];
    send.bar(90);
    seen.push(phase());
    send.bar(85);
    seen.push(phase());
    send.position(1);
    send.order('filled');
    seen.push(phase());
    send.bar(110);
    seen.push(phase());
    send.bar(120);
    seen.push(phase());
    send.position(0);
    send.order('filled');
    seen.push(phase());
    expect(seen).toEqual(['entering', 'entering', 'long', 'exiting', 'exiting', 'flat']);
    expect(actions()).toEqual(['BTC/USD BUY', 'BTC/USD CLOSE']);
  });

  test('publishes every phase change as a StateTransition of strategy:<symbol>', () => {
    const { send, transitions } = start();
    send.bar(90);
    send.position(1);
    send.order('filled');
    send.bar(110);
    expect(transitions).toEqual([
      'strategy:BTC/USD flat→entering ENTRY_SIGNAL',
      'strategy:BTC/USD entering→long SETTLED_LONG',
      'strategy:BTC/USD long→exiting EXIT_SIGNAL',
    ]);
  });

  test('still feeds every bar to the strategy while an order is in flight, with the held phase', () => {
    const { send, calls } = start();
    send.bar(90);
    send.bar(85);
    send.bar(80);
    send.position(2);
    send.bar(110);
    send.bar(115);
    expect(calls.map((c) => [c.close, c.phase])).toEqual([
      [90, 'flat'],
      [85, 'flat'],
      [80, 'flat'],
      [110, 'long'],
      [115, 'long'],
    ]);
  });

  test('goes short on a negative position and exits from there', () => {
    const { send, phase, actions } = start();
    send.position(-3);
    expect(phase()).toBe('short');
    send.bar(110);
    expect(phase()).toBe('exiting');
    expect(actions()).toEqual(['BTC/USD CLOSE']);
  });

  test('numbers signal ids across symbols without repeats', () => {
    const { send, published } = start();
    send.bar(90, 'A');
    send.bar(90, 'B');
    send.position(1, 'A');
    send.order('filled', 'A');
    send.bar(110, 'A');
    expect(published.map((m) => (m.type === 'Signal' ? m.id : ''))).toEqual(['fake-1', 'fake-2', 'fake-3']);
  });

  test('keeps an order in flight on one symbol from blocking another', () => {
    const { send, phase, actions } = start();
    send.bar(90, 'A');
    send.bar(90, 'B');
    expect([phase('A'), phase('B')]).toEqual(['entering', 'entering']);
    expect(actions()).toEqual(['A BUY', 'B BUY']);
  });
});

describe('strategy actor refusals', () => {
  test.each([
    { name: 'a rejected RiskDecision returns an entry to flat', held: 0, close: 90, refuse: 'risk', from: 'entering', to: 'flat' },
    { name: 'a cancelled entry order returns to flat', held: 0, close: 90, refuse: 'cancelled', from: 'entering', to: 'flat' },
    { name: 'a rejected entry order returns to flat', held: 0, close: 90, refuse: 'rejected', from: 'entering', to: 'flat' },
    { name: 'a rejected RiskDecision returns an exit to long', held: 1, close: 110, refuse: 'risk', from: 'exiting', to: 'long' },
    { name: 'a cancelled exit order returns to long', held: 1, close: 110, refuse: 'cancelled', from: 'exiting', to: 'long' },
    { name: 'a cancelled exit order returns to short', held: -1, close: 110, refuse: 'cancelled', from: 'exiting', to: 'short' },
  ] as const)('$name', ({ held, close, refuse, from, to }) => {
    const { send, phase } = start();
    if (held !== 0) send.position(held);
    send.bar(close);
    expect(phase()).toBe(from);
    if (refuse === 'risk') send.decision(false);
    else send.order(refuse);
    expect(phase()).toBe(to);
  });

  test('signals again on the next bar after a refusal', () => {
    const { send, actions } = start();
    send.bar(90);
    send.decision(false);
    send.bar(88);
    expect(actions()).toEqual(['BTC/USD BUY', 'BTC/USD BUY']);
  });

  test.each([
    { name: 'an approved RiskDecision keeps the entry in flight', act: 'approved' },
    { name: 'an accepted order keeps the entry in flight', act: 'accepted' },
    { name: 'a partial fill keeps the entry in flight until the order is done', act: 'partial' },
  ] as const)('$name', ({ act }) => {
    const { send, phase, actions } = start();
    send.bar(90);
    if (act === 'approved') send.decision(true);
    else if (act === 'partial') send.position(0.5);
    else send.order(act);
    send.bar(85);
    expect(phase()).toBe('entering');
    expect(actions()).toEqual(['BTC/USD BUY']);
  });

  test('ignores a refusal when nothing is in flight', () => {
    const { send, phase } = start();
    send.position(2);
    send.decision(false);
    send.order('cancelled');
    expect(phase()).toBe('long');
  });

  test('ignores a refusal for another symbol', () => {
    const { send, phase } = start();
    send.bar(90, 'A');
    send.decision(false, 'B');
    expect(phase('A')).toBe('entering');
    expect(phase('B')).toBe('flat');
  });
});

describe('dust', () => {
  const market: Market = { symbol: 'BTC/USD', kind: 'crypto', exchange: 'binance', amountStep: 0.00001, priceStep: 0.01, minQty: 0.00001, minNotional: 5 };

  test('a holding the venue would not take (below its minimum quantity or notional) is flat to the strategy, which may enter again', () => {
    const { send, calls } = start(new Map([['BTC/USD', market]]));
    // 0.0001 BTC at 90 is 0.009: above the minimum quantity, far below the 5 notional an exit would need.
    send.position(0.0001, 'BTC/USD', 90);
    send.bar(95);
    // Worth 10 at 100 000: a holding the venue trades.
    send.position(0.0001, 'BTC/USD', 100_000);
    send.bar(96);
    send.position(0.000001, 'BTC/USD', 100_000);
    send.bar(97);
    expect(calls.map((c) => c.phase)).toEqual(['flat', 'long', 'flat']);
  });
});
