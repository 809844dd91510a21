// The simulated executor driven directly, message by message: what it publishes for orders and bars.
import { describe, expect, test } from 'bun:test';
import { createActor } from 'xstate';
import type { Fill, MarketData, Order, PipelineMessage } from '../../actors/messages.ts';
import { simExecutorLogic } from '../../actors/sim-executor.actor.ts';
import type { CostModel, Market } from '../../machines/domain.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2021, 0, 1);
const market: Market = {
  symbol: 'TEST/USD', kind: 'crypto', exchange: 'test', amountStep: 1e-8, priceStep: 0.01, minQty: 1e-8, minNotional: 1,
};
const costs: CostModel = { slippageBps: 0, commissionBps: 0, commissionPerShare: 0, minCommission: 0 };

function bar(i: number, open: number, low: number): MarketData {
  return {
    type: 'MarketData', symbol: 'TEST/USD', timeframe: '1d', ts: T0 + i * DAY, closeTs: T0 + (i + 1) * DAY,
    open, high: open + 1, low, close: open, volume: 1_000,
  };
}

function entry(id: string, stopLoss: number): Order {
  return {
    type: 'Order', clientOrderId: id, signalId: `signal-${id}`, ts: T0, symbol: 'TEST/USD', side: 'buy', orderType: 'market',
    qty: 1, referencePrice: 100, purpose: 'entry', reduceOnly: false, stopLoss,
  };
}

function executor() {
  const published: PipelineMessage[] = [];
  const actor = createActor(simExecutorLogic, {
    input: {
      publish: (m: PipelineMessage) => void published.push(m),
      costs: new Map([['TEST/USD', costs]]),
      markets: new Map([['TEST/USD', market]]),
      orderIdPrefix: 't-',
      nativeStops: false,
      orderLifecycle: 'compiled',
    },
  });
  actor.start();
  const fills = () => published.filter((m): m is Fill => m.type === 'Fill').map((f) => `${f.clientOrderId} ${f.price}`);
  return { actor, published, fills };
}

describe('the simulated executor', () => {
  test('two brackets on one symbol: the stop a bar reaches fills, the other stays working until its own stop is reached', () => {
    const { actor, fills } = executor();
    actor.send(entry('a', 90));
    actor.send(entry('b', 95));
    actor.send(bar(0, 100, 99)); // both entries fill at the open; each gets its stop
    expect(fills()).toEqual(['a 100', 'b 100']);
    actor.send(bar(1, 100, 96)); // neither stop reached
    actor.send(bar(2, 100, 94)); // only b's stop (95)
    expect(fills()).toEqual(['a 100', 'b 100', 'b-sl 95']);
    actor.send(bar(3, 100, 91)); // a's stop (90) still untouched
    expect(fills()).toHaveLength(3);
    actor.send(bar(4, 100, 89));
    expect(fills()).toEqual(['a 100', 'b 100', 'b-sl 95', 'a-sl 90']);
    expect((actor.getSnapshot().context as { brackets: Map<string, unknown> }).brackets.size).toBe(0);
  });

  test('the second of two brackets closing first leaves the first one working', () => {
    const { actor, fills } = executor();
    actor.send(entry('a', 95));
    actor.send(entry('b', 90));
    actor.send(bar(0, 100, 99));
    actor.send(bar(1, 100, 94)); // a's stop only: it is first in the list, b stays
    expect(fills()).toEqual(['a 100', 'b 100', 'a-sl 95']);
    actor.send(bar(2, 100, 89));
    expect(fills()).toEqual(['a 100', 'b 100', 'a-sl 95', 'b-sl 90']);
  });
});
