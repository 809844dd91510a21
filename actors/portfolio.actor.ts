// Portfolio actor: books fills, marks positions to each closed bar, and reports positions and equity.
import { fromMutableTransition } from './mutable-transition.ts';
import { adoptPositions, applyFill, newBook, valueBook, type Book } from '../machines/portfolio/accounting.ts';
import type { AdoptVenueState, Fill, MarketData, MessageType } from './messages.ts';
import type { Publish } from './router.ts';

export interface PortfolioInput {
  publish: Publish;
  startingCash: number;
  /** Whether a message type has receivers (a sweep records no PositionMark); omitted: all are built. */
  heard?: (type: MessageType) => boolean;
}

export interface PortfolioState {
  publish: Publish;
  book: Book;
  heard: (type: MessageType) => boolean;
}

export const portfolioLogic = fromMutableTransition(
  (s: PortfolioState, event: MarketData | Fill | AdoptVenueState | { type: `xstate.${string}` }): PortfolioState => {
    if (event.type === 'AdoptVenueState') {
      for (const p of adoptPositions(s.book, event)) s.publish({ type: 'PositionUpdate', ts: event.ts, ...p });
      return s;
    }
    if (event.type === 'Fill') {
      const p = applyFill(s.book, event);
      s.publish({
        type: 'PositionUpdate',
        ts: event.ts,
        symbol: p.symbol,
        qty: p.qty,
        avgPrice: p.avgPrice,
        lastPrice: p.lastPrice,
        realizedPnl: p.realizedPnl,
        unrealizedPnl: (p.lastPrice - p.avgPrice) * p.qty,
      });
      return s;
    }
    // XState's own lifecycle events (e.g. xstate.stop) also arrive here.
    if (event.type !== 'MarketData') return s;
    const position = s.book.positions.get(event.symbol);
    if (position !== undefined) {
      position.lastPrice = event.close;
      if (position.qty !== 0 && s.heard('PositionMark')) {
        s.publish({
          type: 'PositionMark',
          ts: event.closeTs,
          symbol: position.symbol,
          qty: position.qty,
          avgPrice: position.avgPrice,
          lastPrice: position.lastPrice,
          realizedPnl: position.realizedPnl,
          unrealizedPnl: (position.lastPrice - position.avgPrice) * position.qty,
        });
      }
    }
    const v = valueBook(s.book);
    s.publish({
      type: 'EquitySnapshot',
      ts: event.closeTs,
      cash: s.book.cash,
      positionsValue: v.positionsValue,
      equity: v.equity,
      grossExposure: v.grossExposure,
      realizedPnl: s.book.realizedPnl,
      unrealizedPnl: v.unrealizedPnl,
      fees: s.book.fees,
    });
    return s;
  },
  ({ input }: { input: PortfolioInput }): PortfolioState => ({
    publish: input.publish,
    book: newBook(input.startingCash),
    heard: input.heard ?? (() => true),
  }),
);
