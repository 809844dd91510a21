// A paper or live session's lifecycle: starting → warmingUp → trading ⇄ halted → stopping → stopped.
// `halted` mirrors the circuit breaker (a trip or the operator's kill switch); stopping finishes the current
// bar and flushes. `stopped` is final for this process; running the same command again resumes the session.
import { setup } from 'xstate';

export type SessionEvent =
  | { type: 'WARM_UP' }
  | { type: 'READY' }
  | { type: 'HALT' }
  | { type: 'RESUME' }
  | { type: 'STOP' }
  | { type: 'STOPPED' };

export const sessionMachine = setup({ types: { events: {} as SessionEvent } }).createMachine({
  id: 'session',
  initial: 'starting',
  states: {
    starting: {
      description: 'Opening the session database, recovering the journal.',
      on: { WARM_UP: 'warmingUp', STOP: 'stopping' },
    },
    warmingUp: {
      description: "Priming the strategy's indicators from stored candles.",
      on: { READY: 'trading', HALT: 'halted', STOP: 'stopping' },
    },
    trading: {
      description: 'Closed bars flow through the pipeline; entries allowed.',
      on: { HALT: 'halted', STOP: 'stopping' },
    },
    halted: {
      description: 'Circuit breaker or kill switch: no new entries; exits and stops still work.',
      on: { RESUME: 'trading', STOP: 'stopping' },
    },
    stopping: {
      description: 'Finishing the current bar and flushing the recorder.',
      on: { STOPPED: 'stopped' },
    },
    stopped: { type: 'final' },
  },
});
