import { describe, expect, test } from 'bun:test';
import { transition } from 'xstate';
import {
  phaseAfter,
  positionPhaseMachine,
  type Phase,
  type PhaseEventType,
} from '../../../machines/strategies/position-phase.machine.ts';

const PHASES: Phase[] = ['flat', 'entering', 'long', 'short', 'exiting'];
const EVENTS: PhaseEventType[] = [
  'ENTRY_SIGNAL', 'EXIT_SIGNAL', 'POSITION_FLAT', 'POSITION_LONG', 'POSITION_SHORT',
  'SETTLED_FLAT', 'SETTLED_LONG', 'SETTLED_SHORT',
];

describe('position-phase machine', () => {
  test('the hot-path lookup agrees with XState on every phase and event', () => {
    for (const phase of PHASES) {
      const snapshot = positionPhaseMachine.resolveState({ value: phase, context: undefined as never });
      for (const type of EVENTS) {
        const [next] = transition(positionPhaseMachine, snapshot, { type });
        const expected = next.value === phase && phaseAfter(phase, type) === undefined ? undefined : next.value;
        expect([phase, type, phaseAfter(phase, type)]).toEqual([phase, type, expected as Phase | undefined]);
      }
    }
  });

  test('refuses a second entry while one is in flight', () => {
    expect(phaseAfter('entering', 'ENTRY_SIGNAL')).toBeUndefined();
  });

  test('ignores position reports while an order is in flight: only settling moves it', () => {
    expect(phaseAfter('entering', 'POSITION_LONG')).toBeUndefined();
    expect(phaseAfter('entering', 'SETTLED_LONG')).toBe('long');
    expect(phaseAfter('exiting', 'SETTLED_FLAT')).toBe('flat');
  });

  test('an exit is only possible from a position', () => {
    expect(phaseAfter('flat', 'EXIT_SIGNAL')).toBeUndefined();
    expect(phaseAfter('long', 'EXIT_SIGNAL')).toBe('exiting');
    expect(phaseAfter('short', 'EXIT_SIGNAL')).toBe('exiting');
  });
});
