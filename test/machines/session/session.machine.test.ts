import { describe, expect, test } from 'bun:test';
import { createActor } from 'xstate';
import { circuitBreakerMachine } from '../../../machines/risk/circuit-breaker.machine.ts';
import { sessionMachine, type SessionEvent } from '../../../machines/session/session.machine.ts';

function walk(events: SessionEvent[]): string[] {
  const actor = createActor(sessionMachine).start();
  const states = [String(actor.getSnapshot().value)];
  for (const e of events) {
    actor.send(e);
    states.push(String(actor.getSnapshot().value));
  }
  return states;
}

describe('session machine', () => {
  test('starting → warmingUp → trading ⇄ halted → stopping → stopped', () => {
    expect(walk([{ type: 'WARM_UP' }, { type: 'READY' }, { type: 'HALT' }, { type: 'RESUME' }, { type: 'STOP' }, { type: 'STOPPED' }])).toEqual([
      'starting', 'warmingUp', 'trading', 'halted', 'trading', 'stopping', 'stopped',
    ]);
  });

  test('a session can stop while halted, and stopped is final', () => {
    const actor = createActor(sessionMachine).start();
    for (const type of ['WARM_UP', 'READY', 'HALT', 'STOP', 'STOPPED'] as const) actor.send({ type });
    expect(actor.getSnapshot().value).toBe('stopped');
    expect(actor.getSnapshot().status).toBe('done');
  });

  test('trading cannot be entered before the warm-up', () => {
    expect(walk([{ type: 'READY' }, { type: 'RESUME' }])).toEqual(['starting', 'starting', 'starting']);
  });
});

describe('circuit breaker: manual halt', () => {
  const start = () => createActor(circuitBreakerMachine).start();

  test('MANUAL_HALT halts from trading and announces a critical trip; RESUME lifts it', () => {
    const breaker = start();
    const seen: string[] = [];
    breaker.on('breakerChanged', (e) => seen.push(`${e.kind}:${e.level}:${e.state}:${e.reason}`));
    breaker.send({ type: 'MANUAL_HALT', ts: 1, reason: 'operator' });
    expect(breaker.getSnapshot().value).toEqual({ halted: 'manual' });
    breaker.send({ type: 'RESUME', ts: 2, reason: 'back' });
    expect(breaker.getSnapshot().value).toBe('trading');
    expect(seen).toEqual(['breaker_tripped:critical:halted.manual:operator', 'breaker_lifted:info:trading:back']);
  });

  test('RESUME does not lift a drawdown halt, and a manual halt escalates to drawdown on a breach', () => {
    const breaker = start();
    breaker.send({ type: 'TRIP_DRAWDOWN', ts: 1, reason: 'dd' });
    breaker.send({ type: 'RESUME', ts: 2, reason: 'try' });
    expect(breaker.getSnapshot().value).toEqual({ halted: 'drawdown' });
    const manual = start();
    manual.send({ type: 'MANUAL_HALT', ts: 1, reason: 'op' });
    manual.send({ type: 'TRIP_DRAWDOWN', ts: 2, reason: 'dd' });
    expect(manual.getSnapshot().value).toEqual({ halted: 'drawdown' });
  });

  test('a daily-loss halt can be made manual, so the new day does not lift it', () => {
    const breaker = start();
    breaker.send({ type: 'TRIP_DAILY_LOSS', ts: 1, reason: 'loss' });
    breaker.send({ type: 'MANUAL_HALT', ts: 2, reason: 'op' });
    breaker.send({ type: 'NEW_DAY', ts: 3 });
    expect(breaker.getSnapshot().value).toEqual({ halted: 'manual' });
  });
});
