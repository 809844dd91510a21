// scripts/patches/xstate@5.33.3.patch, applied by `bun install`, removes two allocations XState makes at every
// step of every actor:
// - it builds an inspection event object even when nothing inspects the system; the patch builds them only while
//   an inspector is subscribed, and inspection itself must behave exactly as before;
// - its mailbox allocates a queue node for every event; the patch reuses one node per mailbox for an event that
//   arrives while the mailbox is idle (the common case), and queues as before while it is busy, so the order in
//   which events are processed must be exactly XState's.
import { describe, expect, test } from 'bun:test';
import { createActor, fromTransition, type AnyActorRef, type InspectionEvent } from 'xstate';
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

interface MailboxInternals {
  mailbox: { _idleNode?: { value: unknown; next: unknown } };
}

type Note = { type: 'NOTE'; text: string } | { type: 'RELAY'; text: string; to: AnyActorRef; echo: string[] };

/** Writes down every event; RELAY also sends the echoes to itself and one note to `to`, while it is processing. */
function notebook(log: string[], name: string) {
  return fromTransition((count: number, event: Note | { type: `xstate.${string}` }, { self }) => {
    if (event.type === 'NOTE') log.push(`${name}:${event.text}`);
    if (event.type === 'RELAY') {
      log.push(`${name}:relay ${event.text}`);
      for (const echo of event.echo) self.send({ type: 'NOTE', text: echo });
      event.to.send({ type: 'NOTE', text: `from ${name}` });
      log.push(`${name}:relayed ${event.text}`);
    }
    return count + 1;
  }, 0);
}

describe('XState mailbox (patched)', () => {
  test('an event to an idle actor reuses the mailbox node, which keeps no event afterwards', () => {
    const log: string[] = [];
    const actor = createActor(notebook(log, 'a')).start();
    const mailbox = (actor as unknown as MailboxInternals).mailbox;
    const node = mailbox._idleNode;
    expect(node).toBeDefined();
    actor.send({ type: 'NOTE', text: '1' });
    actor.send({ type: 'NOTE', text: '2' });
    expect(mailbox._idleNode).toBe(node);
    expect(node!.value).toBeUndefined();
    expect(log).toEqual(['a:1', 'a:2']);
    expect(actor.getSnapshot().context).toBe(2);
  });

  test('events sent while an actor is processing run after it, in the order sent; another idle actor runs at once', () => {
    const log: string[] = [];
    const a = createActor(notebook(log, 'a')).start();
    const b = createActor(notebook(log, 'b')).start();
    a.send({ type: 'RELAY', text: 'x', to: b, echo: ['e1', 'e2'] });
    a.send({ type: 'RELAY', text: 'y', to: b, echo: ['e3'] });
    expect(log).toEqual([
      'a:relay x', 'b:from a', 'a:relayed x', 'a:e1', 'a:e2',
      'a:relay y', 'b:from a', 'a:relayed y', 'a:e3',
    ]);
  });

  test('events sent before start are processed on start, in order, then idle sends go straight through', () => {
    const log: string[] = [];
    const actor = createActor(notebook(log, 'a'));
    actor.send({ type: 'NOTE', text: 'early 1' });
    actor.send({ type: 'NOTE', text: 'early 2' });
    expect(log).toEqual([]);
    actor.start();
    actor.send({ type: 'NOTE', text: 'late' });
    expect(log).toEqual(['a:early 1', 'a:early 2', 'a:late']);
  });

  test('an actor stopped while processing drops what was queued behind it, and ignores later sends', () => {
    const log: string[] = [];
    const stopper = fromTransition((count: number, event: Note | { type: `xstate.${string}` }, { self }) => {
      if (event.type === 'NOTE') {
        log.push(event.text);
        if (event.text === 'stop') {
          self.send({ type: 'NOTE', text: 'queued behind stop' });
          (self as AnyActorRef).stop();
        }
      }
      return count + 1;
    }, 0);
    const actor = createActor(stopper).start();
    actor.send({ type: 'NOTE', text: 'stop' });
    actor.send({ type: 'NOTE', text: 'after stop' });
    expect(log).toEqual(['stop']);
  });
});
