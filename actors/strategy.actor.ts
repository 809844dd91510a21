// Strategy actor: runs one strategy over every symbol. Per symbol it follows the position-phase machine
// (flat → entering → long/short → exiting → flat) from what the portfolio, risk manager and executor report
// back, so a strategy never acts on a position it only hoped to have. Phase changes are published as
// StateTransition messages for the visualiser.
import { fromMutableTransition } from './mutable-transition.ts';
import { phaseAfter, type Phase, type PhaseEventType } from '../machines/strategies/position-phase.machine.ts';
import type { Market } from '../machines/domain.ts';
import { isDust } from '../machines/risk/limits.ts';
import type { AnyStrategy, PositionPhase } from '../machines/strategies/strategy.ts';
import type { MarketData, OrderUpdate, PositionUpdate, RiskDecision, WarmupData } from './messages.ts';
import type { Publish } from './router.ts';

export type StrategyPhase = Phase;

export interface StrategyInput {
  publish: Publish;
  strategy: AnyStrategy;
  /** A holding below its market's minimum quantity or notional is dust the venue will not trade: flat to the strategy. */
  markets?: ReadonlyMap<string, Market>;
}

interface SymbolSlot {
  state: unknown;
  phase: Phase;
  /** `strategy:<symbol>`, the name its phase changes are recorded under. */
  actor: string;
  /** The position actually held, as last reported by the portfolio. */
  held: PositionPhase;
}

export interface StrategyActorState {
  publish: Publish;
  strategy: AnyStrategy;
  markets: ReadonlyMap<string, Market> | undefined;
  symbols: Map<string, SymbolSlot>;
  signals: number;
}

type StrategyEvent = MarketData | WarmupData | PositionUpdate | RiskDecision | OrderUpdate | { type: `xstate.${string}` };

const POSITION_EVENT: Record<PositionPhase, PhaseEventType> = {
  flat: 'POSITION_FLAT',
  long: 'POSITION_LONG',
  short: 'POSITION_SHORT',
};
const SETTLED_EVENT: Record<PositionPhase, PhaseEventType> = {
  flat: 'SETTLED_FLAT',
  long: 'SETTLED_LONG',
  short: 'SETTLED_SHORT',
};

export const strategyLogic = fromMutableTransition(
  (s: StrategyActorState, event: StrategyEvent): StrategyActorState => {
    switch (event.type) {
      case 'MarketData':
        onBar(s, event);
        break;
      case 'WarmupData': {
        // Indicators only: a proposal made on history that closed before the session started is dropped.
        const slot = slotFor(s, event.symbol);
        s.strategy.onBar(slot.state, event, slot.held);
        break;
      }
      case 'PositionUpdate': {
        const slot = slotFor(s, event.symbol);
        const market = s.markets?.get(event.symbol);
        const dust = event.qty === 0 || (market !== undefined && isDust(event.qty, market, event.lastPrice));
        slot.held = dust ? 'flat' : event.qty > 0 ? 'long' : 'short';
        // While an order is in flight the machine ignores this: the phase settles when the order is done.
        move(s, slot, POSITION_EVENT[slot.held], event.ts);
        break;
      }
      case 'RiskDecision':
        if (!event.approved) settle(s, event.symbol, event.ts);
        break;
      case 'OrderUpdate':
        if (event.status !== 'accepted') settle(s, event.symbol, event.ts);
        break;
    }
    return s;
  },
  ({ input }: { input: StrategyInput }): StrategyActorState => ({
    publish: input.publish,
    strategy: input.strategy,
    markets: input.markets,
    symbols: new Map(),
    signals: 0,
  }),
);

function onBar(s: StrategyActorState, bar: MarketData): void {
  const slot = slotFor(s, bar.symbol);
  // Indicators see every bar, even while an order is in flight; the phase machine decides if a proposal may go.
  const proposal = s.strategy.onBar(slot.state, bar, slot.held);
  if (proposal === undefined) return;
  if (!move(s, slot, proposal.action === 'CLOSE' ? 'EXIT_SIGNAL' : 'ENTRY_SIGNAL', bar.closeTs)) return;
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

/** An order is done (filled, refused or cancelled): the phase becomes the position actually held. */
function settle(s: StrategyActorState, symbol: string, ts: number): void {
  const slot = slotFor(s, symbol);
  move(s, slot, SETTLED_EVENT[slot.held], ts);
}

/** Applies a phase-machine event; false when the machine does not accept it in the current phase. */
function move(s: StrategyActorState, slot: SymbolSlot, event: PhaseEventType, ts: number): boolean {
  const next = phaseAfter(slot.phase, event);
  if (next === undefined) return false;
  if (next !== slot.phase) {
    s.publish({ type: 'StateTransition', ts, actor: slot.actor, from: slot.phase, to: next, event });
    slot.phase = next;
  }
  return true;
}

function slotFor(s: StrategyActorState, symbol: string): SymbolSlot {
  let slot = s.symbols.get(symbol);
  if (slot === undefined) {
    slot = { state: s.strategy.init(symbol), phase: 'flat', held: 'flat', actor: `strategy:${symbol}` };
    s.symbols.set(symbol, slot);
  }
  return slot;
}
