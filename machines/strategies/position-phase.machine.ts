// A strategy's view of one symbol: flat → entering → long/short → exiting → flat. The strategy actor looks
// transitions up in this machine's own definition (`phaseAfter`), so the diagram the visualiser draws is
// the table the hot path runs — without an interpreter call per bar.
import { setup } from 'xstate';

export type PhaseEvent =
  | { type: 'ENTRY_SIGNAL' }
  | { type: 'EXIT_SIGNAL' }
  | { type: 'POSITION_FLAT' }
  | { type: 'POSITION_LONG' }
  | { type: 'POSITION_SHORT' }
  | { type: 'SETTLED_FLAT' }
  | { type: 'SETTLED_LONG' }
  | { type: 'SETTLED_SHORT' };

export type PhaseEventType = PhaseEvent['type'];
export type Phase = 'flat' | 'entering' | 'long' | 'short' | 'exiting';

export const positionPhaseMachine = setup({ types: { events: {} as PhaseEvent } }).createMachine({
  id: 'strategyPhase',
  initial: 'flat',
  states: {
    flat: {
      description: 'No position: an entry signal may be sent.',
      on: { ENTRY_SIGNAL: 'entering', POSITION_LONG: 'long', POSITION_SHORT: 'short' },
    },
    entering: {
      description: 'Entry sent: no further signal until risk refuses it or the order is done.',
      on: { SETTLED_FLAT: 'flat', SETTLED_LONG: 'long', SETTLED_SHORT: 'short' },
    },
    long: {
      on: { EXIT_SIGNAL: 'exiting', ENTRY_SIGNAL: 'entering', POSITION_FLAT: 'flat', POSITION_SHORT: 'short' },
    },
    short: {
      on: { EXIT_SIGNAL: 'exiting', ENTRY_SIGNAL: 'entering', POSITION_FLAT: 'flat', POSITION_LONG: 'long' },
    },
    exiting: {
      description: 'Exit sent: a stop may still close the position first.',
      on: { SETTLED_FLAT: 'flat', SETTLED_LONG: 'long', SETTLED_SHORT: 'short' },
    },
  },
});

type Table = Record<Phase, Partial<Record<PhaseEventType, Phase>>>;

const TABLE: Table = (() => {
  const table = {} as Table;
  const states = positionPhaseMachine.config.states as Record<Phase, { on?: Record<string, string> }>;
  for (const [phase, node] of Object.entries(states) as [Phase, { on?: Record<string, string> }][]) {
    table[phase] = {};
    for (const [event, target] of Object.entries(node.on ?? {})) table[phase][event as PhaseEventType] = target as Phase;
  }
  return table;
})();

/** The phase after `event`, or undefined when the machine does not accept it in `phase`. */
export function phaseAfter(phase: Phase, event: PhaseEventType): Phase | undefined {
  return TABLE[phase][event];
}
