// Market feed: the pipeline's entry point. Whatever the source (stored candles, CCXT, Alpaca), closed
// candles come in here, are checked, and go out as MarketData in close-time order.
import { fromMutableTransition } from './mutable-transition.ts';
import type { EndOfData, MarketData } from './messages.ts';
import type { Publish } from './router.ts';

export interface FeedInput {
  publish: Publish;
}

interface FeedState {
  publish: Publish;
  lastTsBySymbol: Map<string, number>;
  lastCloseTs: number;
  bars: number;
}

const FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

export const feedLogic = fromMutableTransition(
  (state: FeedState, event: MarketData | EndOfData | { type: `xstate.${string}` }): FeedState => {
    if (event.type === 'EndOfData') {
      state.publish(event);
      return state;
    }
    // XState's own lifecycle events (e.g. xstate.stop) also arrive here.
    if (event.type !== 'MarketData') return state;
    // One combined test on the hot path; the slow loop below only runs to name the bad field.
    if (!Number.isFinite(event.open + event.high + event.low + event.close + event.volume)) {
      for (const field of FIELDS) {
        if (!Number.isFinite(event[field])) throw new Error(badBar(event, `${field} is ${event[field]}`));
      }
    }
    const last = state.lastTsBySymbol.get(event.symbol);
    if (last !== undefined && event.ts <= last) {
      throw new Error(badBar(event, `bar time is not after the previous bar (${new Date(last).toISOString()})`));
    }
    if (event.closeTs < state.lastCloseTs) {
      throw new Error(badBar(event, 'bar closed before a bar already delivered (feed out of order)'));
    }
    state.lastTsBySymbol.set(event.symbol, event.ts);
    state.lastCloseTs = event.closeTs;
    state.bars++;
    state.publish(event);
    return state;
  },
  ({ input }: { input: FeedInput }): FeedState => ({
    publish: input.publish,
    lastTsBySymbol: new Map(),
    lastCloseTs: Number.NEGATIVE_INFINITY,
    bars: 0,
  }),
);

function badBar(bar: MarketData, problem: string): string {
  return `feed: ${bar.symbol} ${bar.timeframe} bar at ${new Date(bar.ts).toISOString()}: ${problem}`;
}
