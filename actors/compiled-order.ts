// The order-lifecycle machine compiled into a transition table, for backtests: one small object per order
// instead of one XState actor (≈ 20 µs per order to create, start and drive). The table is read once from
// `orderMachine`'s own definition — its states, events, guards and actions by name, with the guard and
// action implementations the machine was set up with — so the machine stays the single source of truth;
// paper and live sessions keep real actors. test/actors/compiled-order.test.ts walks every path of the
// machine (xstate/graph) through both and requires the same states, context and emitted events.
import type { AnyStateMachine } from 'xstate';
import {
  orderMachine,
  type OrderContext,
  type OrderMachineEvent,
  type OrderMachineInput,
  type OrderStatusChanged,
} from '../machines/execution/order.machine.ts';

type Args = { context: OrderContext; event: OrderMachineEvent };
type Guard = (args: Args) => boolean;
type Step =
  | { kind: 'assign'; assign: (args: Args, params: unknown) => Partial<OrderContext>; params: unknown }
  | { kind: 'emit'; emit: (args: Args, params: unknown) => OrderStatusChanged; params: unknown };

interface CompiledTransition {
  guard: Guard | undefined;
  target: string;
  steps: Step[];
}

export interface OrderTable {
  initial: string;
  /** Per state, per event type: the candidate transitions in document order (the first whose guard holds). */
  on: Map<string, Map<string, CompiledTransition[]>>;
  final: Set<string>;
  context: (input: OrderMachineInput) => OrderContext;
}

interface ActionConfig {
  type: string;
  params?: unknown;
}
interface TransitionConfig {
  target?: string;
  guard?: string;
  actions?: string | ActionConfig | ReadonlyArray<string | ActionConfig>;
}
interface StateConfig {
  type?: string;
  on?: Record<string, TransitionConfig | readonly TransitionConfig[]>;
}

/**
 * Reads a flat machine with named guards and named `assign` / `emit` actions into a table. Anything this
 * compiler does not understand (nested or parallel states, inline or unknown actions, delayed transitions,
 * entry/exit actions, invoked actors) is refused here, at start-up, rather than run differently.
 */
export function compileOrderTable(machine: AnyStateMachine = orderMachine): OrderTable {
  const config = machine.config as {
    initial?: string;
    context?: unknown;
    states?: Record<string, StateConfig & Record<string, unknown>>;
  };
  const { guards, actions } = machine.implementations as {
    guards: Record<string, unknown>;
    actions: Record<string, unknown>;
  };
  if (typeof config.initial !== 'string' || config.states === undefined || typeof config.context !== 'function') {
    throw new Error(`compileOrderTable: ${machine.id} needs an initial state, states and a context factory`);
  }
  const resolveGuard = (name: string): Guard => {
    const guard = guards[name];
    if (typeof guard !== 'function') throw new Error(`compileOrderTable: guard "${name}" is not a named function guard`);
    return guard as Guard;
  };
  const resolveAction = (spec: string | ActionConfig): Step => {
    const name = typeof spec === 'string' ? spec : spec.type;
    const params = typeof spec === 'string' ? undefined : spec.params;
    const action = actions[name] as { type?: string; assignment?: unknown; event?: unknown } | undefined;
    if (action?.type === 'xstate.assign' && typeof action.assignment === 'function') {
      return { kind: 'assign', assign: action.assignment as Extract<Step, { kind: 'assign' }>['assign'], params };
    }
    if (action?.type === 'xstate.emit' && typeof action.event === 'function') {
      return { kind: 'emit', emit: action.event as Extract<Step, { kind: 'emit' }>['emit'], params };
    }
    throw new Error(`compileOrderTable: action "${name}" is neither assign(fn) nor emit(fn)`);
  };

  const on = new Map<string, Map<string, CompiledTransition[]>>();
  const final = new Set<string>();
  for (const [name, state] of Object.entries(config.states)) {
    for (const key of ['states', 'entry', 'exit', 'after', 'always', 'invoke', 'onDone']) {
      if (state[key] !== undefined) throw new Error(`compileOrderTable: state "${name}" uses "${key}", which the table does not run`);
    }
    if (state.type === 'final') final.add(name);
    else if (state.type !== undefined && state.type !== 'atomic') {
      throw new Error(`compileOrderTable: state "${name}" is ${state.type}`);
    }
    const events = new Map<string, CompiledTransition[]>();
    for (const [eventType, spec] of Object.entries(state.on ?? {})) {
      const candidates = (Array.isArray(spec) ? spec : [spec]) as readonly TransitionConfig[];
      events.set(
        eventType,
        candidates.map((t) => {
          if (t.target === undefined || config.states![t.target] === undefined) {
            throw new Error(`compileOrderTable: ${name} --${eventType}--> needs a sibling target, got ${t.target}`);
          }
          const list = t.actions === undefined ? [] : Array.isArray(t.actions) ? t.actions : [t.actions];
          return {
            guard: t.guard === undefined ? undefined : resolveGuard(t.guard),
            target: t.target,
            steps: (list as ReadonlyArray<string | ActionConfig>).map(resolveAction),
          };
        }),
      );
    }
    on.set(name, events);
  }
  const contextFactory = config.context as (args: { input: OrderMachineInput }) => OrderContext;
  return { initial: config.initial, on, final, context: (input) => contextFactory({ input }) };
}

let shared: OrderTable | undefined;

/** The table of `orderMachine`, compiled on first use. */
export function orderTable(): OrderTable {
  shared ??= compileOrderTable(orderMachine);
  return shared;
}

/** One order run by the table: the same state names, context and emitted events as the machine actor. */
export class CompiledOrder {
  state: string;
  context: OrderContext;

  constructor(
    private readonly table: OrderTable,
    input: OrderMachineInput,
  ) {
    this.state = table.initial;
    this.context = table.context(input);
  }

  get done(): boolean {
    return this.table.final.has(this.state);
  }

  /**
   * Takes an event as the actor would: the first enabled transition runs its actions in order (assigns update
   * the context seen by the actions after them; emitted events are handed to `emit` once the transition is
   * complete, as the actor delivers them after its snapshot updates). An event with no enabled transition,
   * or any event once the order is done, changes nothing.
   */
  send(event: OrderMachineEvent, emit: (e: OrderStatusChanged) => void): void {
    const candidates = this.table.on.get(this.state)?.get(event.type);
    if (candidates === undefined) return;
    // One arguments object for the guards and actions of this event, its context kept current: contexts
    // themselves stay immutable (each assign makes a new one), as the actor's snapshots are.
    const args = { context: this.context, event };
    for (let i = 0; i < candidates.length; i++) {
      const t = candidates[i]!;
      if (t.guard !== undefined && !t.guard(args)) continue;
      // The order machine emits at most one event per transition; more are kept in order all the same.
      let first: OrderStatusChanged | undefined;
      let more: OrderStatusChanged[] | undefined;
      for (let j = 0; j < t.steps.length; j++) {
        const step = t.steps[j]!;
        if (step.kind === 'assign') {
          args.context = this.context = { ...this.context, ...step.assign(args, step.params) };
        } else if (first === undefined) {
          first = step.emit(args, step.params);
        } else {
          (more ??= []).push(step.emit(args, step.params));
        }
      }
      this.state = t.target;
      if (first !== undefined) emit(first);
      if (more !== undefined) for (const e of more) emit(e);
      return;
    }
  }
}
