import { describe, expect, test } from 'bun:test';
import { createActor, initialTransition, transition } from 'xstate';
import {
  orderMachine,
  type OrderMachineEvent,
  type OrderStatusChanged,
} from '../../../machines/execution/order.machine.ts';

const input = { clientOrderId: 'ord-1', symbol: 'BTC/USD', qty: 10 };

const accept = (ts: number): OrderMachineEvent => ({ type: 'ACCEPT', ts });
const fill = (ts: number, qty: number, price: number): OrderMachineEvent => ({ type: 'FILL', ts, qty, price });
const cancel = (ts: number, reason = 'user cancel'): OrderMachineEvent => ({ type: 'CANCEL', ts, reason });
const reject = (ts: number, reason = 'insufficient funds'): OrderMachineEvent => ({ type: 'REJECT', ts, reason });

/** Pure run: the state after each event, the final snapshot, and the emitted status events. */
function run(events: readonly OrderMachineEvent[], orderInput = input) {
  let [snapshot] = initialTransition(orderMachine, orderInput);
  const states: string[] = [];
  const emitted: OrderStatusChanged[] = [];
  for (const event of events) {
    const [next, actions] = transition(orderMachine, snapshot, event);
    snapshot = next;
    states.push(String(snapshot.value));
    for (const action of actions as readonly { type: string; params?: unknown }[]) {
      // Emitted events come back as xstate.emit actions; the typed union does not list that built-in.
      if (action.type === 'xstate.emit') emitted.push((action.params as { event: OrderStatusChanged }).event);
    }
  }
  return { snapshot, states, emitted };
}

describe('orderMachine lifecycle', () => {
  test('starts submitted with nothing filled', () => {
    const [snapshot] = initialTransition(orderMachine, input);
    expect(snapshot.value).toBe('submitted');
    expect(snapshot.context).toEqual({ ...input, filledQty: 0, avgFillPrice: 0 });
  });

  test.each([
    { name: 'goes submitted → working → filled on one complete fill', events: [accept(1), fill(2, 10, 100)], states: ['working', 'filled'] },
    { name: 'goes through partiallyFilled on partial fills, then filled', events: [accept(1), fill(2, 4, 100), fill(3, 3, 101), fill(4, 3, 102)], states: ['working', 'partiallyFilled', 'partiallyFilled', 'filled'] },
    { name: 'cancels from working', events: [accept(1), cancel(2)], states: ['working', 'cancelled'] },
    { name: 'cancels from partiallyFilled', events: [accept(1), fill(2, 4, 100), cancel(3)], states: ['working', 'partiallyFilled', 'cancelled'] },
    { name: 'rejects from submitted', events: [reject(1)], states: ['rejected'] },
    { name: 'ignores a REJECT once working', events: [accept(1), reject(2)], states: ['working', 'working'] },
  ])('$name', ({ events, states }) => {
    expect(run(events).states).toEqual([...states]);
  });

  test.each([
    { name: 'a filled order ignores later fills, cancels and rejects', prefix: [accept(1), fill(2, 10, 100)], final: 'filled' },
    { name: 'a cancelled order ignores later fills, accepts and cancels', prefix: [accept(1), cancel(2)], final: 'cancelled' },
    { name: 'a rejected order ignores later accepts and fills', prefix: [reject(1)], final: 'rejected' },
  ])('$name', ({ prefix, final }) => {
    const before = run(prefix);
    const after = run([...prefix, fill(10, 5, 999), accept(11), cancel(12), reject(13)]);
    expect(after.snapshot.value).toBe(final);
    expect(after.snapshot.status).toBe('done');
    expect(after.snapshot.context).toEqual(before.snapshot.context);
    expect(after.emitted).toEqual(before.emitted);
  });
});

describe('orderMachine fills', () => {
  test('records a single complete fill at its price', () => {
    expect(run([accept(1), fill(2, 10, 100)]).snapshot.context).toMatchObject({ filledQty: 10, avgFillPrice: 100 });
  });

  test('accumulates partial fills into a quantity-weighted average price', () => {
    const partial = run([accept(1), fill(2, 4, 100)]).snapshot;
    expect(partial.context).toMatchObject({ filledQty: 4, avgFillPrice: 100 });
    // (4 × 100 + 6 × 110) / 10 = 106
    const done = run([accept(1), fill(2, 4, 100), fill(3, 6, 110)]).snapshot;
    expect(done.value).toBe('filled');
    expect(done.context.filledQty).toBe(10);
    expect(done.context.avgFillPrice).toBeCloseTo(106, 12);
  });

  test('keeps the filled quantity and average of a partially filled order that is cancelled', () => {
    const { snapshot } = run([accept(1), fill(2, 2, 50), fill(3, 2, 60), cancel(4)]);
    expect(snapshot.value).toBe('cancelled');
    expect(snapshot.context.filledQty).toBe(4);
    expect(snapshot.context.avgFillPrice).toBeCloseTo(55, 12);
  });

  test('completes when float sums of partial fills fall a hair short of the order size', () => {
    // Ten fills of 0.1 sum to 0.9999999999999999, not 1.
    const tenths = Array.from({ length: 10 }, (_, i) => fill(i + 2, 0.1, 100));
    const { snapshot, states } = run([accept(1), ...tenths], { ...input, qty: 1 });
    expect(snapshot.context.filledQty).not.toBe(1);
    expect(snapshot.value).toBe('filled');
    expect(states.filter((s) => s === 'filled')).toHaveLength(1);
  });
});

describe('orderMachine orderStatus events', () => {
  test.each([
    {
      name: 'announces accepted then filled, but not partial fills',
      events: [accept(1), fill(2, 4, 100), fill(3, 6, 110)],
      statuses: [
        { ts: 1, status: 'accepted', reason: undefined },
        { ts: 3, status: 'filled', reason: undefined },
      ],
    },
    {
      name: 'announces a cancel with its reason',
      events: [accept(1), fill(2, 4, 100), cancel(5, 'expired')],
      statuses: [
        { ts: 1, status: 'accepted', reason: undefined },
        { ts: 5, status: 'cancelled', reason: 'expired' },
      ],
    },
    {
      name: 'announces a reject with its reason',
      events: [reject(7, 'below min notional')],
      statuses: [{ ts: 7, status: 'rejected', reason: 'below min notional' }],
    },
  ])('$name', ({ events, statuses }) => {
    expect(run(events).emitted).toEqual(
      statuses.map((s) => ({ type: 'orderStatus', clientOrderId: 'ord-1', symbol: 'BTC/USD', ...s })),
    );
  });

  test('delivers the same events to a running actor through actor.on', () => {
    const actor = createActor(orderMachine, { input: { clientOrderId: 'ord-9', symbol: 'ETH/USD', qty: 2 } });
    const received: OrderStatusChanged[] = [];
    actor.on('orderStatus', (event) => received.push(event));
    actor.start();
    actor.send(accept(10));
    actor.send(fill(20, 1, 3000));
    expect(actor.getSnapshot().value).toBe('partiallyFilled');
    actor.send(fill(30, 1, 3100));
    actor.send(cancel(40));
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().context).toMatchObject({ filledQty: 2, avgFillPrice: 3050 });
    expect(received.map((e) => [e.clientOrderId, e.symbol, e.ts, e.status])).toEqual([
      ['ord-9', 'ETH/USD', 10, 'accepted'],
      ['ord-9', 'ETH/USD', 30, 'filled'],
    ]);
  });
});

describe('venue reports that overtake the acknowledgement', () => {
  test('a fill reported before the accept still completes the order', () => {
    const { snapshot } = run([fill(1, 10, 101)]);
    expect(snapshot.value).toBe('filled');
    expect(snapshot.context.avgFillPrice).toBe(101);
  });

  test('a partial fill before the accept leaves the order partially filled', () => {
    expect(run([fill(1, 4, 100)]).snapshot.value).toBe('partiallyFilled');
  });

  test('a cancel before the accept cancels the order', () => {
    expect(run([cancel(1)]).snapshot.value).toBe('cancelled');
  });
});
