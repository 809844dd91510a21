// Every machine an actor runs, for the visualiser: drawn from these definitions, matched to the
// `state_transitions` rows by actor id (`session`, `pipeline`, `circuitBreaker`, `strategy:<symbol>`, `order:<id>`).
import type { AnyStateMachine } from 'xstate';
import type { RunRow } from '../db/schema.ts';
import { orderMachine } from '../machines/execution/order.machine.ts';
import { circuitBreakerMachine } from '../machines/risk/circuit-breaker.machine.ts';
import { sessionMachine } from '../machines/session/session.machine.ts';
import { positionPhaseMachine } from '../machines/strategies/position-phase.machine.ts';
import type { MessageType } from './messages.ts';
import { pipelineMachine } from './pipeline.ts';
import { ROUTES, type ActorName } from './router.ts';

export interface MachineEntry {
  /** Actor id, or the prefix of per-instance ids (`order:`, `strategy:`). */
  actor: string;
  title: string;
  machine: AnyStateMachine;
  description: string;
  /** The stateless actor that owns instances of this machine, if any. */
  ownedBy?: ActorName;
  perInstance: boolean;
  /** The run modes that run this machine; absent: every mode. */
  modes?: RunRow['mode'][];
}

export const MACHINES: MachineEntry[] = [
  {
    actor: 'session',
    title: 'Session',
    machine: sessionMachine,
    description: 'A paper or live session around the pipeline: warm-up, trading, halts (breaker or kill switch), graceful stop.',
    perInstance: false,
    modes: ['paper', 'live'],
  },
  {
    actor: 'pipeline',
    title: 'Pipeline',
    machine: pipelineMachine,
    description: 'The run lifecycle of the actor system.',
    perInstance: false,
  },
  {
    actor: 'circuitBreaker',
    title: 'Circuit breaker',
    machine: circuitBreakerMachine,
    description: 'System risk layer: halts new entries on a daily loss or a drawdown from the peak.',
    ownedBy: 'risk',
    perInstance: false,
  },
  {
    actor: 'strategy:',
    title: 'Strategy position phase',
    machine: positionPhaseMachine,
    description: "One per symbol: the strategy's view of its position, settled by fills and refusals.",
    ownedBy: 'strategy',
    perInstance: true,
  },
  {
    actor: 'order:',
    title: 'Order lifecycle',
    machine: orderMachine,
    description: 'One per order, driven by the executor (simulated venue, CCXT or Alpaca).',
    ownedBy: 'executor',
    perInstance: true,
  },
];

export interface StatelessActor {
  actor: ActorName;
  description: string;
  /** Message types this actor receives. */
  receives: MessageType[];
  owns?: string;
}

const DESCRIPTIONS: Record<ActorName, string> = {
  feed: 'Checks each closed candle and delivers it in close-time order.',
  strategy: 'Runs the strategy on every bar and proposes signals.',
  risk: 'Applies the four risk layers and turns approved signals into orders.',
  portfolio: 'Books fills, marks positions to each bar, reports equity.',
  executor: 'Places orders at the venue and reports fills.',
  recorder: 'Writes every message to the run database in batches.',
  alerts: 'Raises INFO / WARNING / CRITICAL alerts from risk, order, position and session messages, deduplicated per key.',
};

/** The fromTransition actors (no states of their own), with what they hear from the router. */
export const STATELESS_ACTORS: StatelessActor[] = (Object.keys(DESCRIPTIONS) as ActorName[]).map((actor) => ({
  actor,
  description: DESCRIPTIONS[actor],
  receives: (Object.entries(ROUTES) as [MessageType, readonly ActorName[]][])
    .filter(([, receivers]) => receivers.includes(actor))
    .map(([type]) => type)
    .concat(actor === 'feed' ? ['MarketData', 'EndOfData'] : []),
  owns: MACHINES.find((m) => m.ownedBy === actor)?.actor,
}));
