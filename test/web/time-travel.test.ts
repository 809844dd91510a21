// Time travel over a recorded transition log: which state each actor is in at a step, and where its
// previous and next changes are.
import { describe, expect, test } from 'bun:test';
import { MACHINES } from '../../actors/machine-registry.ts';
import { newTransitionLog, type TransitionLog } from '../../web/data/run-tail.ts';
import { clampStep, instanceState, milestones, neighbourSteps, recentInstances } from '../../web/machines/time-travel.ts';

function logOf(rows: [actor: string, from: string, to: string][]): TransitionLog {
  const log = newTransitionLog();
  rows.forEach(([actor, from, to], i) => {
    log.seqs.push(i + 1);
    log.ts.push(1000 * i);
    log.actors.push(actor);
    log.from.push(from);
    log.to.push(to);
    log.events.push(`E${i + 1}`);
    const list = log.byActor.get(actor) ?? [];
    list.push(i);
    log.byActor.set(actor, list);
  });
  log.lastSeq = rows.length;
  return log;
}

const log = logOf([
  ['circuitBreaker', 'trading', 'halted.dailyLoss'], // step 1
  ['order:a', 'submitted', 'working'], // step 2
  ['order:b', 'submitted', 'working'], // step 3
  ['circuitBreaker', 'halted.dailyLoss', 'trading'], // step 4
  ['order:a', 'working', 'filled'], // step 5
]);
const orders = MACHINES.find((m) => m.actor === 'order:')!;

describe('time travel', () => {
  test('an actor is in its initial state before its first transition and in the last target after it', () => {
    expect(instanceState(log, 'circuitBreaker', 0, 'trading', 10).state).toBe('trading');
    expect(instanceState(log, 'circuitBreaker', 1, 'trading', 10).state).toBe('halted.dailyLoss');
    expect(instanceState(log, 'circuitBreaker', 3, 'trading', 10).state).toBe('halted.dailyLoss');
    expect(instanceState(log, 'circuitBreaker', 4, 'trading', 10).state).toBe('trading');
  });

  test('lists an actor\'s events up to the step, newest first, at most N', () => {
    const state = instanceState(log, 'order:a', 5, 'submitted', 1);
    expect(state.transitions).toBe(2);
    expect(state.recent.map((t) => [t.step, t.event])).toEqual([[5, 'E5']]);
  });

  test('finds the previous and next change of one actor from any step', () => {
    expect(neighbourSteps(log, 'circuitBreaker', 0)).toEqual({ previous: null, next: 1 });
    expect(neighbourSteps(log, 'circuitBreaker', 1)).toEqual({ previous: null, next: 4 });
    expect(neighbourSteps(log, 'circuitBreaker', 2)).toEqual({ previous: 1, next: 4 });
    expect(neighbourSteps(log, 'circuitBreaker', 4)).toEqual({ previous: 1, next: null });
    expect(neighbourSteps(log, 'circuitBreaker', 5)).toEqual({ previous: 4, next: null });
  });

  test('lists the most recently active instances of a per-instance machine as of the step', () => {
    expect(recentInstances(log, orders, 5, 10)).toEqual(['order:a', 'order:b']);
    expect(recentInstances(log, orders, 3, 10)).toEqual(['order:b', 'order:a']);
    expect(recentInstances(log, orders, 1, 10)).toEqual([]);
    expect(recentInstances(log, orders, 5, 1)).toEqual(['order:a']);
  });

  test('clamps the step to the log and defaults to the latest', () => {
    expect(clampStep(log, undefined)).toBe(5);
    expect(clampStep(log, -3)).toBe(0);
    expect(clampStep(log, 2.7)).toBe(2);
    expect(clampStep(log, 1e9)).toBe(5);
    expect(clampStep(log, Number.NaN)).toBe(5);
  });

  test('milestones are the chosen actors\' transitions in log order', () => {
    expect(milestones(log, ['circuitBreaker'], 10).map((t) => t.step)).toEqual([1, 4]);
    expect(milestones(log, ['circuitBreaker', 'order:a'], 2).map((t) => t.step)).toEqual([4, 5]);
  });
});
