// Strategy actor: runs one strategy over every symbol. Per symbol it tracks the position phase
// (flat → entering → long/short → exiting → flat) from what the portfolio and risk report back,
// so a strategy never acts on a position it only hoped to have.
import { fromTransition } from 'xstate';
import type { PositionPhase } from '../machines/strategies/strategy.ts';
import type { AnyStrategy } from '../machines/strategies/strategy.ts';
import type { MarketData, OrderUpdate, PositionUpdate, RiskDecision } from './messages.ts';
import type { Publish } from './router.ts';

export type StrategyPhase = 'flat' | 'entering' | 'long' | 'short' | 'exiting';

export interface StrategyInput {
  publish: Publish;
  strategy: AnyStrategy;
}

interface SymbolSlot {
  state: unknown;
  phase: StrategyPhase;
  /** Settled position phase, restored when an exit is refused. */
  held: PositionPhase;
}

export interface StrategyActorState {
  publish: Publish;
  strategy: AnyStrategy;
  symbols: Map<string, SymbolSlot>;
  signals: number;
}

type StrategyEvent = MarketData | PositionUpdate | RiskDecision | OrderUpdate;

export const strategyLogic = fromTransition(
  (s: StrategyActorState, event: StrategyEvent): StrategyActorState => {
    switch (event.type) {
      case 'MarketData':
        onBar(s, event);
        break;
      case 'PositionUpdate': {
        const slot = slotFor(s, event.symbol);
        slot.held = event.qty > 0 ? 'long' : event.qty < 0 ? 'short' : 'flat';
        // While an order is in flight a partial fill must not open the door to a second signal:
        // the phase settles when the order is done (OrderUpdate below).
        if (slot.phase !== 'entering' && slot.phase !== 'exiting') slot.phase = slot.held;
        break;
      }
      case 'RiskDecision':
        if (!event.approved) settle(s, event.symbol);
        break;
      case 'OrderUpdate':
        if (event.status !== 'accepted') settle(s, event.symbol);
        break;
    }
    return s;
  },
  ({ input }: { input: StrategyInput }): StrategyActorState => ({
    publish: input.publish,
    strategy: input.strategy,
    symbols: new Map(),
    signals: 0,
  }),
);

function onBar(s: StrategyActorState, bar: MarketData): void {
  const slot = slotFor(s, bar.symbol);
  // Indicators see every bar, even while an order is in flight; proposals then wait.
  const proposal = s.strategy.onBar(slot.state, bar, slot.held);
  if (proposal === undefined || (slot.phase !== 'flat' && slot.phase !== 'long' && slot.phase !== 'short')) return;
  slot.phase = proposal.action === 'CLOSE' ? 'exiting' : 'entering';
  s.signals++;
  s.publish({
    type: 'Signal',
    id: `${s.strategy.name}-${s.signals}`,
    ts: bar.closeTs,
    strategy: s.strategy.name,
    symbol: bar.symbol,
    action: proposal.action,
    confidence: proposal.confidence,
    price: bar.close,
    stopLoss: proposal.stopLoss,
    takeProfit: proposal.takeProfit,
    reason: proposal.reason,
  });
}

/** An order is done (filled, refused or cancelled): the phase is the position actually held. */
function settle(s: StrategyActorState, symbol: string): void {
  const slot = slotFor(s, symbol);
  if (slot.phase === 'entering' || slot.phase === 'exiting') slot.phase = slot.held;
}

function slotFor(s: StrategyActorState, symbol: string): SymbolSlot {
  let slot = s.symbols.get(symbol);
  if (slot === undefined) {
    slot = { state: s.strategy.init(symbol), phase: 'flat', held: 'flat' };
    s.symbols.set(symbol, slot);
  }
  return slot;
}
