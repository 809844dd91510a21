// The state of every recorded actor at any step of a run's transition log: step k is the moment after the
// k-th recorded transition (0 = before any). Works the same on a finished backtest and on a live run.
import type { MachineEntry } from '../../actors/machine-registry.ts';
import { countBefore, type TransitionLog } from '../data/run-tail.ts';

export interface RecordedTransition {
  /** 1-based: the step this transition leads to. */
  step: number;
  seq: number;
  ts: number;
  actor: string;
  from: string;
  to: string;
  event: string;
}

export interface InstanceState {
  actor: string;
  /** Current state path at the step; the machine's initial state when nothing was recorded yet. */
  state: string;
  /** The actor's transitions up to the step, newest first. */
  recent: RecordedTransition[];
  /** How many transitions this actor had up to the step. */
  transitions: number;
}

export function transitionAt(log: TransitionLog, index: number): RecordedTransition {
  return {
    step: index + 1,
    seq: log.seqs[index]!,
    ts: log.ts[index]!,
    actor: log.actors[index]!,
    from: log.from[index]!,
    to: log.to[index]!,
    event: log.events[index]!,
  };
}

export function clampStep(log: TransitionLog, requested: number | undefined): number {
  const total = log.seqs.length;
  if (requested === undefined || !Number.isFinite(requested)) return total;
  return Math.max(0, Math.min(total, Math.trunc(requested)));
}

export function belongsTo(entry: MachineEntry, actor: string): boolean {
  return entry.perInstance ? actor.startsWith(entry.actor) : actor === entry.actor;
}

export function instanceState(log: TransitionLog, actor: string, step: number, initial: string, recentCount: number): InstanceState {
  const indexes = log.byActor.get(actor) ?? [];
  const count = countBefore(indexes, step);
  const recent: RecordedTransition[] = [];
  for (let i = count - 1; i >= 0 && recent.length < recentCount; i--) recent.push(transitionAt(log, indexes[i]!));
  return { actor, state: count > 0 ? log.to[indexes[count - 1]!]! : initial, recent, transitions: count };
}

/**
 * The instances of a machine worth listing at a step: the most recently active ones (up to `limit`), found by
 * walking the log back from the step — never a scan of every order the run ever placed.
 */
export function recentInstances(log: TransitionLog, entry: MachineEntry, step: number, limit: number, maxScan = 20_000): string[] {
  if (!entry.perInstance) return [entry.actor];
  const found: string[] = [];
  const seen = new Set<string>();
  for (let i = step - 1; i >= 0 && i >= step - maxScan && found.length < limit; i--) {
    const actor = log.actors[i]!;
    if (!seen.has(actor) && belongsTo(entry, actor)) {
      seen.add(actor);
      found.push(actor);
    }
  }
  return found;
}

/** Steps at which the given actors changed state (for the jump list): the breaker's trips, the pipeline's phases. */
export function milestones(log: TransitionLog, actors: readonly string[], limit: number): RecordedTransition[] {
  const indexes = actors.flatMap((a) => log.byActor.get(a) ?? []).sort((a, b) => a - b);
  return indexes.slice(-limit).map((i) => transitionAt(log, i));
}

/** The previous / next step at which `actor` changed state, for "step through this actor only". */
export function neighbourSteps(log: TransitionLog, actor: string, step: number): { previous: number | null; next: number | null } {
  const indexes = log.byActor.get(actor) ?? [];
  const count = countBefore(indexes, step);
  // Step s shows the transition at index s - 1, so "the actor's previous change" is the one before that.
  const atCurrent = count > 0 && indexes[count - 1] === step - 1;
  const previousIndex = atCurrent ? indexes[count - 2] : indexes[count - 1];
  const nextIndex = indexes[count];
  return {
    previous: previousIndex === undefined ? null : previousIndex + 1,
    next: nextIndex === undefined ? null : nextIndex + 1,
  };
}
