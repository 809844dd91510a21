// scripts/patches/xstate@5.33.3.patch, applied by `bun install`: XState builds an inspection event object at every
// step of every actor even when nothing inspects the system. The patch builds them only while an inspector is
// subscribed; inspection itself must behave exactly as before.
import { describe, expect, test } from 'bun:test';
import { createActor, type InspectionEvent } from 'xstate';
import { orderMachine, type OrderMachineEvent } from '../../machines/execution/order.machine.ts';

const INPUT = { clientOrderId: 'o-1', symbol: 'BTC/USD', qty: 1 };
const EVENTS: OrderMachineEvent[] = [
  { type: 'ACCEPT', ts: 1 },
  { type: 'FILL', ts: 2, qty: 0.4, price: 100 },
  { type: 'FILL', ts: 3, qty: 0.6, price: 101 },
];

interface InspectedSystem {
  _sendInspectionEvent(event: InspectionEvent): void;
}

/** Counts the inspection events the actor's system is asked to deliver. */
function countDeliveries(system: unknown): { count: number } {
  const inspected = system as InspectedSystem;
  const deliver = inspected._sendInspectionEvent.bind(inspected);
  const seen = { count: 0 };
  inspected._sendInspectionEvent = (event) => {
    seen.count++;
    deliver(event);
  };
  return seen;
}

describe('XState inspection events (patched)', () => {
  test('with no inspector, no inspection event is built', () => {
    const actor = createActor(orderMachine, { input: INPUT });
    const seen = countDeliveries(actor.system);
    actor.start();
    for (const event of EVENTS) actor.send(event);
    expect(actor.getSnapshot().value).toBe('filled');
    expect(seen.count).toBe(0);
  });

  test('an inspector given to createActor sees every kind of event, in order, as unpatched XState delivers them', () => {
    const events: InspectionEvent[] = [];
    const actor = createActor(orderMachine, { input: INPUT, inspect: (e) => events.push(e) });
    actor.start();
    for (const event of EVENTS) actor.send(event);
    const types = [...new Set(events.map((e) => e.type))];
    expect(types).toEqual(expect.arrayContaining(['@xstate.actor', '@xstate.event', '@xstate.snapshot', '@xstate.microstep', '@xstate.action']));
    const sent = events.flatMap((e) => (e.type === '@xstate.event' ? [e.event.type] : []));
    expect(sent).toEqual(['xstate.init', 'ACCEPT', 'FILL', 'FILL']);
    const snapshots = events.flatMap((e) => (e.type === '@xstate.snapshot' ? [e.snapshot] : []));
    expect(snapshots.at(-1)).toMatchObject({ value: 'filled' });
  });

  test('an inspector subscribed later sees what follows, and nothing after it unsubscribes', () => {
    const actor = createActor(orderMachine, { input: INPUT });
    actor.start();
    const seen = countDeliveries(actor.system);
    const events: InspectionEvent[] = [];
    const subscription = actor.system.inspect((e) => events.push(e));
    actor.send(EVENTS[0]!);
    expect(events.map((e) => e.type)).toContain('@xstate.snapshot');
    const delivered = seen.count;
    expect(delivered).toBeGreaterThan(0);
    subscription.unsubscribe();
    actor.send(EVENTS[1]!);
    expect(seen.count).toBe(delivered);
    expect(actor.getSnapshot().value).toBe('partiallyFilled');
  });
});
