import { describe, expect, test } from 'bun:test';
import { createActor, initialTransition, transition } from 'xstate';
import {
  breakerStateName,
  circuitBreakerMachine,
  type BreakerChanged,
  type BreakerEvent,
} from '../../../machines/risk/circuit-breaker.machine.ts';

const tripDaily = (ts: number, reason = 'daily loss -6.00%'): BreakerEvent => ({ type: 'TRIP_DAILY_LOSS', ts, reason });
const tripDrawdown = (ts: number, reason = 'drawdown -21.00%'): BreakerEvent => ({ type: 'TRIP_DRAWDOWN', ts, reason });
const newDay = (ts: number): BreakerEvent => ({ type: 'NEW_DAY', ts });
const reset = (ts: number, reason = 'operator reset'): BreakerEvent => ({ type: 'RESET', ts, reason });

/** Runs events through the pure transition function; returns the state names visited and every emitted event. */
function run(events: readonly BreakerEvent[]) {
  let [snapshot] = initialTransition(circuitBreakerMachine);
  const states: string[] = [];
  const emitted: BreakerChanged[] = [];
  for (const event of events) {
    const [next, actions] = transition(circuitBreakerMachine, snapshot, event);
    snapshot = next;
    states.push(breakerStateName(snapshot.value));
    for (const action of actions as readonly { type: string; params?: unknown }[]) {
      // Emitted events come back as xstate.emit actions; the typed union does not list that built-in.
      if (action.type === 'xstate.emit') emitted.push((action.params as { event: BreakerChanged }).event);
    }
  }
  return { snapshot, states, emitted };
}

describe('circuitBreakerMachine (pure transitions)', () => {
  test('starts trading with no trip recorded', () => {
    const [snapshot, actions] = initialTransition(circuitBreakerMachine);
    expect(snapshot.value).toBe('trading');
    expect(snapshot.context).toEqual({ trippedAt: null, reason: null, trips: 0 });
    expect(actions).toEqual([]);
  });

  test.each([
    { name: 'a daily-loss trip halts until the next UTC day', events: [tripDaily(1), newDay(2)], states: ['halted.dailyLoss', 'trading'] },
    { name: 'a daily-loss halt ignores RESET: only the new day lifts it', events: [tripDaily(1), reset(2), newDay(3)], states: ['halted.dailyLoss', 'halted.dailyLoss', 'trading'] },
    { name: 'a drawdown halt ignores NEW_DAY and only RESET lifts it', events: [tripDrawdown(1), newDay(2), newDay(3), reset(4)], states: ['halted.drawdown', 'halted.drawdown', 'halted.drawdown', 'trading'] },
    { name: 'a daily-loss halt escalates to a drawdown halt', events: [tripDaily(1), tripDrawdown(2), newDay(3), reset(4)], states: ['halted.dailyLoss', 'halted.drawdown', 'halted.drawdown', 'trading'] },
    { name: 'a drawdown halt does not fall back to a daily-loss halt', events: [tripDrawdown(1), tripDaily(2)], states: ['halted.drawdown', 'halted.drawdown'] },
    { name: 'a second daily-loss trip while halted changes nothing', events: [tripDaily(1), tripDaily(2)], states: ['halted.dailyLoss', 'halted.dailyLoss'] },
    { name: 'NEW_DAY and RESET while trading change nothing', events: [newDay(1), reset(2)], states: ['trading', 'trading'] },
  ])('$name', ({ events, states }) => {
    expect(run(events).states).toEqual([...states]);
  });

  test('records the trip time and reason and clears them when lifted, keeping the count', () => {
    const halted = run([tripDaily(100, 'down 6%')]).snapshot;
    expect(halted.context).toEqual({ trippedAt: 100, reason: 'down 6%', trips: 1 });
    const lifted = transition(circuitBreakerMachine, halted, newDay(200))[0];
    expect(lifted.context).toEqual({ trippedAt: null, reason: null, trips: 1 });
  });

  test('counts every trip, an escalation included', () => {
    const { snapshot } = run([tripDaily(1), newDay(2), tripDaily(3), tripDrawdown(4), reset(5), tripDrawdown(6)]);
    expect(snapshot.context.trips).toBe(4);
    expect(snapshot.context.trippedAt).toBe(6);
  });

  test('does not count an ignored event as a trip', () => {
    expect(run([tripDrawdown(1), tripDaily(2), tripDaily(3)]).snapshot.context.trips).toBe(1);
  });

  test('emits one breakerChanged per state change with kind, level, state and reason', () => {
    const { emitted } = run([tripDaily(1, 'day -6%'), newDay(2), tripDaily(3, 'day -7%'), tripDrawdown(4, 'dd -22%'), newDay(5), reset(6, 'ops ok')]);
    expect(emitted).toEqual([
      { type: 'breakerChanged', ts: 1, kind: 'breaker_tripped', level: 'warning', state: 'halted.dailyLoss', reason: 'day -6%', event: 'TRIP_DAILY_LOSS' },
      { type: 'breakerChanged', ts: 2, kind: 'breaker_lifted', level: 'info', state: 'trading', reason: 'new UTC day: daily-loss halt lifted', event: 'NEW_DAY' },
      { type: 'breakerChanged', ts: 3, kind: 'breaker_tripped', level: 'warning', state: 'halted.dailyLoss', reason: 'day -7%', event: 'TRIP_DAILY_LOSS' },
      { type: 'breakerChanged', ts: 4, kind: 'breaker_tripped', level: 'critical', state: 'halted.drawdown', reason: 'dd -22%', event: 'TRIP_DRAWDOWN' },
      { type: 'breakerChanged', ts: 6, kind: 'breaker_reset', level: 'info', state: 'trading', reason: 'ops ok', event: 'RESET' },
    ]);
  });

  test('announces a state that matches the snapshot it moved to', () => {
    const { states, emitted } = run([tripDrawdown(1), reset(2), tripDaily(3), tripDrawdown(4)]);
    expect(emitted.map((e) => e.state)).toEqual(states);
  });
});

describe('circuitBreakerMachine (running actor)', () => {
  function start() {
    const actor = createActor(circuitBreakerMachine);
    const emitted: BreakerChanged[] = [];
    actor.on('breakerChanged', (event) => emitted.push(event));
    actor.start();
    return { actor, emitted, state: () => breakerStateName(actor.getSnapshot().value) };
  }

  test('trips on a daily loss and lifts at the next UTC day', () => {
    const { actor, emitted, state } = start();
    actor.send(tripDaily(10, 'day -5.5%'));
    expect(state()).toBe('halted.dailyLoss');
    actor.send(newDay(20));
    expect(state()).toBe('trading');
    expect(emitted.map((e) => [e.kind, e.level, e.state])).toEqual([
      ['breaker_tripped', 'warning', 'halted.dailyLoss'],
      ['breaker_lifted', 'info', 'trading'],
    ]);
    expect(actor.getSnapshot().context.trips).toBe(1);
    actor.stop();
  });

  test('stays halted on a drawdown through new days until RESET, announcing nothing meanwhile', () => {
    const { actor, emitted, state } = start();
    actor.send(tripDrawdown(10, 'dd -20.5%'));
    actor.send(newDay(20));
    actor.send(newDay(30));
    expect(state()).toBe('halted.drawdown');
    expect(emitted).toHaveLength(1);
    actor.send(reset(40, 'reviewed by ops'));
    expect(state()).toBe('trading');
    expect(emitted[1]).toEqual({
      type: 'breakerChanged',
      ts: 40,
      kind: 'breaker_reset',
      level: 'info',
      state: 'trading',
      reason: 'reviewed by ops',
      event: 'RESET',
    });
    actor.stop();
  });

  test('escalates a daily-loss halt to a critical drawdown halt', () => {
    const { actor, emitted, state } = start();
    actor.send(tripDaily(10));
    actor.send(tripDrawdown(11, 'dd -25%'));
    expect(state()).toBe('halted.drawdown');
    expect(emitted[1]).toMatchObject({ kind: 'breaker_tripped', level: 'critical', state: 'halted.drawdown', reason: 'dd -25%' });
    expect(actor.getSnapshot().context).toEqual({ trippedAt: 11, reason: 'dd -25%', trips: 2 });
    actor.stop();
  });

  test('resumes from a persisted halted snapshot still halted', () => {
    const { actor } = start();
    actor.send(tripDrawdown(10));
    const persisted = actor.getPersistedSnapshot();
    actor.stop();
    const restored = createActor(circuitBreakerMachine, { snapshot: persisted as never }).start();
    restored.send(newDay(20));
    expect(breakerStateName(restored.getSnapshot().value)).toBe('halted.drawdown');
    restored.send(reset(30));
    expect(breakerStateName(restored.getSnapshot().value)).toBe('trading');
    restored.stop();
  });
});

describe('breakerStateName', () => {
  test.each([
    { name: 'keeps a top-level string state', value: 'trading', expected: 'trading' },
    { name: 'names a daily-loss halt', value: { halted: 'dailyLoss' }, expected: 'halted.dailyLoss' },
    { name: 'names a drawdown halt', value: { halted: 'drawdown' }, expected: 'halted.drawdown' },
  ])('$name', ({ value, expected }) => {
    expect(breakerStateName(value)).toBe(expected);
  });
});
