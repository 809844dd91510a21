// The compiled order table against the real order-lifecycle machine: every simple path of the machine
// (xstate/graph) is driven through a machine actor and through the table, and after every step both must be
// in the same state with the same context, having emitted the same events. The fill sizes make partial
// fills, the completing fill and a fill past the order size all occur.
import { describe, expect, test } from 'bun:test';
import { createActor, setup } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import { CompiledOrder, compileOrderTable, orderTable } from '../../actors/compiled-order.ts';
import {
  orderMachine,
  type OrderMachineEvent,
  type OrderMachineInput,
  type OrderStatusChanged,
} from '../../machines/execution/order.machine.ts';

const INPUT: OrderMachineInput = { clientOrderId: 'o-1', symbol: 'BTC/USD', qty: 1 };
const EVENTS: OrderMachineEvent[] = [
  { type: 'ACCEPT', ts: 1 },
  { type: 'REJECT', ts: 2, reason: 'no cost model' },
  { type: 'FILL', ts: 3, qty: 0.4, price: 100 },
  { type: 'FILL', ts: 4, qty: 0.6, price: 101 },
  { type: 'FILL', ts: 5, qty: 1.5, price: 99 },
  { type: 'CANCEL', ts: 6, reason: 'end of data' },
];

interface Observed {
  state: unknown;
  context: unknown;
  done: boolean;
  emitted: OrderStatusChanged[];
}

function throughActor(events: OrderMachineEvent[]): Observed[] {
  const actor = createActor(orderMachine, { input: INPUT });
  let emitted: OrderStatusChanged[] = [];
  actor.on('orderStatus', (e) => emitted.push(e));
  actor.start();
  return events.map((event) => {
    emitted = [];
    actor.send(event);
    const snap = actor.getSnapshot();
    return { state: snap.value, context: snap.context, done: snap.status === 'done', emitted };
  });
}

function throughTable(events: OrderMachineEvent[]): Observed[] {
  const order = new CompiledOrder(orderTable(), INPUT);
  return events.map((event) => {
    const emitted: OrderStatusChanged[] = [];
    order.send(event, (e) => emitted.push(e));
    return { state: order.state, context: order.context, done: order.done, emitted };
  });
}

describe('the compiled order table', () => {
  const paths = getSimplePaths(orderMachine, { events: EVENTS, input: INPUT });

  test('the graph walk reaches every state and takes every transition of the machine', () => {
    const states = new Set(paths.flatMap((p) => p.steps.map((s) => String(s.state.value))));
    expect([...states].sort()).toEqual(['cancelled', 'filled', 'partiallyFilled', 'rejected', 'submitted', 'working']);
    const edges = new Set<string>();
    for (const path of paths) {
      for (let i = 1; i < path.steps.length; i++) {
        edges.add(`${path.steps[i - 1]!.state.value} ${path.steps[i]!.event.type} ${path.steps[i]!.state.value}`);
      }
    }
    // submitted: ACCEPT, REJECT, FILL (partial / complete), CANCEL; working and partiallyFilled: FILL ×2, CANCEL.
    expect(edges.size).toBe(11);
    expect(paths.length).toBeGreaterThan(20);
  });

  test('agrees with the machine actor at every step of every path', () => {
    for (const path of paths) {
      const events = path.steps.slice(1).map((s) => s.event);
      const actor = throughActor(events);
      expect(throughTable(events)).toEqual(actor);
      // The walk's own snapshots are the machine's too.
      path.steps.slice(1).forEach((step, i) => {
        expect(actor[i]!.state).toEqual(step.state.value);
        expect(actor[i]!.context).toEqual(step.state.context);
      });
    }
  });

  test('an event after the order is done, or one its state does not take, changes nothing', () => {
    const events: OrderMachineEvent[] = [
      { type: 'ACCEPT', ts: 1 },
      { type: 'ACCEPT', ts: 2 },
      { type: 'REJECT', ts: 3, reason: 'late' },
      { type: 'FILL', ts: 4, qty: 1, price: 100 },
      { type: 'CANCEL', ts: 5, reason: 'too late' },
      { type: 'FILL', ts: 6, qty: 1, price: 100 },
    ];
    expect(throughTable(events)).toEqual(throughActor(events));
  });

  test('refuses a machine it would run differently, naming what it does not understand', () => {
    const inline = setup({}).createMachine({
      initial: 'a',
      context: () => ({}),
      states: { a: { entry: () => undefined, on: { GO: 'b' } }, b: {} },
    });
    expect(() => compileOrderTable(inline)).toThrow('state "a" uses "entry"');
    const sideEffect = setup({ actions: { log: () => undefined } }).createMachine({
      initial: 'a',
      context: () => ({}),
      states: { a: { on: { GO: { target: 'b', actions: 'log' } } }, b: {} },
    });
    expect(() => compileOrderTable(sideEffect)).toThrow('action "log" is neither assign(fn) nor emit(fn)');
  });
});
