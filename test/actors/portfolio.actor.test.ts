// The portfolio actor on its own: fills booked, bars marked, and marks built only when someone takes them.
import { describe, expect, test } from 'bun:test';
import { createActor } from 'xstate';
import type { MarketData, MessageType, PipelineMessage } from '../../actors/messages.ts';
import { portfolioLogic } from '../../actors/portfolio.actor.ts';

const T0 = Date.UTC(2021, 0, 1);
const bar = (close: number, i: number): MarketData => ({
  type: 'MarketData', symbol: 'X/USD', timeframe: '1d', ts: T0 + i * 86_400_000, closeTs: T0 + (i + 1) * 86_400_000,
  open: close, high: close, low: close, close, volume: 1,
});

function portfolio(heard?: (type: MessageType) => boolean) {
  const published: PipelineMessage[] = [];
  const actor = createActor(portfolioLogic, { input: { publish: (m: PipelineMessage) => void published.push(m), startingCash: 1_000, heard } });
  actor.start();
  actor.send({ type: 'Fill', fillId: 'f1', clientOrderId: 'o1', ts: T0, symbol: 'X/USD', side: 'buy', qty: 2, price: 100, fee: 1, slippage: 0, purpose: 'entry' });
  actor.send(bar(110, 0));
  actor.send(bar(120, 1));
  return published;
}

describe('the portfolio actor', () => {
  test('marks an open position at every bar close, with the equity that follows from it', () => {
    const published = portfolio();
    expect(published.map((m) => m.type)).toEqual(['PositionUpdate', 'PositionMark', 'EquitySnapshot', 'PositionMark', 'EquitySnapshot']);
    const last = published.at(-1)!;
    // 1,000 − 2 × 100 − 1 fee = 799 cash; 2 × 120 = 240 held.
    expect(last).toMatchObject({ type: 'EquitySnapshot', cash: 799, positionsValue: 240, equity: 1_039, unrealizedPnl: 40 });
  });

  test('builds no PositionMark when nobody takes them, and reports the same equity', () => {
    const withMarks = portfolio().filter((m) => m.type !== 'PositionMark');
    const without = portfolio((type) => type !== 'PositionMark');
    expect(without.map((m) => m.type)).toEqual(['PositionUpdate', 'EquitySnapshot', 'EquitySnapshot']);
    expect(without).toEqual(withMarks);
  });
});
