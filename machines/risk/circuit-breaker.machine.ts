// The system layer's circuit breaker. `trading` → `halted.dailyLoss` (lifts at the next UTC day) or
// `halted.drawdown` (lifts only by an explicit RESET), or `halted.manual` (the operator's kill switch, lifted by
// RESUME). A drawdown breach while halted for the day, or halted by hand, escalates to the drawdown halt.
import { assign, emit, setup } from 'xstate';

export type BreakerEvent =
  | { type: 'TRIP_DAILY_LOSS'; ts: number; reason: string }
  | { type: 'TRIP_DRAWDOWN'; ts: number; reason: string }
  | { type: 'NEW_DAY'; ts: number }
  | { type: 'RESET'; ts: number; reason: string }
  | { type: 'MANUAL_HALT'; ts: number; reason: string }
  | { type: 'RESUME'; ts: number; reason: string };

export interface BreakerContext {
  trippedAt: number | null;
  reason: string | null;
  trips: number;
}

/** Emitted on every state change; the risk actor turns it into a RiskEvent message. */
export interface BreakerChanged {
  type: 'breakerChanged';
  ts: number;
  kind: 'breaker_tripped' | 'breaker_lifted' | 'breaker_reset';
  level: 'info' | 'warning' | 'critical';
  state: string;
  reason: string;
  /** The machine event that caused the change (TRIP_DRAWDOWN, NEW_DAY, ...). */
  event: BreakerEvent['type'];
}

type Announcement = Omit<BreakerChanged, 'type'>;

/** Into a halt that only an explicit event lifts (a drawdown escalates from any other halt). */
function haltTo(halt: 'drawdown' | 'manual') {
  return {
    target: `#circuitBreaker.halted.${halt}`,
    actions: [
      'recordTrip',
      {
        type: 'announce',
        params: ({ event }: { event: { ts: number; reason: string } }) =>
          tripped(event.ts, 'critical', `halted.${halt}`, event.reason),
      },
    ],
  } as const;
}

/** Back to trading on an operator's event, announced with the operator's reason. */
function liftBy(kind: 'breaker_lifted' | 'breaker_reset') {
  return {
    target: '#circuitBreaker.trading',
    actions: [
      'clearTrip',
      {
        type: 'announce',
        params: ({ event }: { event: { ts: number; reason: string; type: 'RESUME' | 'RESET' } }): Announcement => ({
          ts: event.ts,
          kind,
          event: event.type,
          level: 'info',
          state: 'trading',
          reason: event.reason,
        }),
      },
    ],
  } as const;
}

const tripDrawdown = haltTo('drawdown');
const manualHalt = haltTo('manual');

export const circuitBreakerMachine = setup({
  types: {
    context: {} as BreakerContext,
    events: {} as BreakerEvent,
    emitted: {} as BreakerChanged,
  },
  actions: {
    recordTrip: assign(({ context, event }) => ({
      trippedAt: event.ts,
      reason: 'reason' in event ? event.reason : null,
      trips: context.trips + 1,
    })),
    clearTrip: assign({ trippedAt: null, reason: null }),
    announce: emit((_, params: Announcement): BreakerChanged => ({ type: 'breakerChanged', ...params })),
  },
}).createMachine({
  id: 'circuitBreaker',
  context: { trippedAt: null, reason: null, trips: 0 },
  initial: 'trading',
  states: {
    trading: {
      on: {
        MANUAL_HALT: manualHalt,
        TRIP_DAILY_LOSS: {
          target: 'halted.dailyLoss',
          actions: [
            'recordTrip',
            { type: 'announce', params: ({ event }) => tripped(event.ts, 'warning', 'halted.dailyLoss', event.reason) },
          ],
        },
        TRIP_DRAWDOWN: tripDrawdown,
      },
    },
    halted: {
      // Entered only through explicit targets; the default is never taken.
      initial: 'dailyLoss',
      states: {
        dailyLoss: {
          on: {
            NEW_DAY: {
              target: '#circuitBreaker.trading',
              actions: [
                'clearTrip',
                {
                  type: 'announce',
                  params: ({ event }) => ({
                    ts: event.ts,
                    kind: 'breaker_lifted',
                    event: event.type,
                    level: 'info',
                    state: 'trading',
                    reason: 'new UTC day: daily-loss halt lifted',
                  }),
                },
              ],
            },
            TRIP_DRAWDOWN: tripDrawdown,
            MANUAL_HALT: manualHalt,
          },
        },
        manual: {
          description: 'Kill switch: halted by the operator until RESUME.',
          on: {
            RESUME: liftBy('breaker_lifted'),
            TRIP_DRAWDOWN: tripDrawdown,
          },
        },
        drawdown: {
          on: {
            RESET: liftBy('breaker_reset'),
          },
        },
      },
    },
  },
});

function tripped(ts: number, level: BreakerChanged['level'], state: string, reason: string): Announcement {
  const event = state === 'halted.drawdown' ? 'TRIP_DRAWDOWN' : state === 'halted.manual' ? 'MANUAL_HALT' : 'TRIP_DAILY_LOSS';
  return { ts, kind: 'breaker_tripped', level, state, reason, event };
}

/** `trading`, `halted.dailyLoss` or `halted.drawdown` from a snapshot value. */
export function breakerStateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const halted = (value as { halted?: string }).halted;
  return halted ? `halted.${halted}` : String(value);
}
