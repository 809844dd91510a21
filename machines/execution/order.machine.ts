// The life of one order: submitted → working → (partiallyFilled) → filled, or cancelled / rejected.
// Every venue adapter (simulated, CCXT, Alpaca) drives the same machine, so an order reads the same everywhere.
import { assign, emit, setup } from 'xstate';
import type { OrderStatus } from '../domain.ts';

export interface OrderMachineInput {
  clientOrderId: string;
  symbol: string;
  qty: number;
}

export type OrderMachineEvent =
  | { type: 'ACCEPT'; ts: number }
  | { type: 'REJECT'; ts: number; reason: string }
  | { type: 'FILL'; ts: number; qty: number; price: number }
  | { type: 'CANCEL'; ts: number; reason: string };

export interface OrderContext extends OrderMachineInput {
  filledQty: number;
  avgFillPrice: number;
}

export interface OrderStatusChanged {
  type: 'orderStatus';
  clientOrderId: string;
  symbol: string;
  ts: number;
  status: OrderStatus;
  reason?: string;
}

// Quantities within this of the order size count as complete (float sums of partial fills).
const QTY_EPSILON = 1e-9;

// Shared by every open state: a fill completes the order or leaves it partially filled; a cancel ends it.
const fillTransitions = [
  {
    guard: 'completesOrder',
    target: 'filled',
    actions: ['recordFill', { type: 'announce', params: { status: 'filled' } }],
  },
  { target: 'partiallyFilled', actions: 'recordFill' },
] as const;
const cancelTransition = {
  target: 'cancelled',
  actions: { type: 'announce', params: { status: 'cancelled' } },
} as const;

export const orderMachine = setup({
  types: {
    context: {} as OrderContext,
    events: {} as OrderMachineEvent,
    input: {} as OrderMachineInput,
    emitted: {} as OrderStatusChanged,
  },
  guards: {
    completesOrder: ({ context, event }) =>
      event.type === 'FILL' && context.filledQty + event.qty >= context.qty - QTY_EPSILON,
  },
  actions: {
    recordFill: assign(({ context, event }) => {
      if (event.type !== 'FILL') return {};
      const filledQty = context.filledQty + event.qty;
      return {
        filledQty,
        avgFillPrice: (context.avgFillPrice * context.filledQty + event.price * event.qty) / filledQty,
      };
    }),
    announce: emit(
      ({ context, event }, params: { status: OrderStatus }): OrderStatusChanged => ({
        type: 'orderStatus',
        clientOrderId: context.clientOrderId,
        symbol: context.symbol,
        ts: event.ts,
        status: params.status,
        reason: 'reason' in event ? event.reason : undefined,
      }),
    ),
  },
}).createMachine({
  id: 'order',
  context: ({ input }) => ({ ...input, filledQty: 0, avgFillPrice: 0 }),
  initial: 'submitted',
  states: {
    submitted: {
      on: {
        ACCEPT: { target: 'working', actions: { type: 'announce', params: { status: 'accepted' } } },
        REJECT: { target: 'rejected', actions: { type: 'announce', params: { status: 'rejected' } } },
        // Live venues can report a fill or a cancel before the acknowledgement arrives.
        FILL: fillTransitions,
        CANCEL: cancelTransition,
      },
    },
    working: {
      on: {
        FILL: fillTransitions,
        CANCEL: cancelTransition,
      },
    },
    partiallyFilled: {
      on: {
        FILL: fillTransitions,
        CANCEL: cancelTransition,
      },
    },
    filled: { type: 'final' },
    cancelled: { type: 'final' },
    rejected: { type: 'final' },
  },
});
