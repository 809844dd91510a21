// One order-lifecycle machine per order, shared by every executor (simulated, CCXT, Alpaca): its status
// changes become OrderUpdate messages and its state changes StateTransition messages for the visualiser.
import { createActor, type ActorRefFrom } from 'xstate';
import type { CostModel, Market } from '../machines/domain.ts';
import { orderMachine, type OrderMachineEvent, type OrderStatusChanged } from '../machines/execution/order.machine.ts';
import { CompiledOrder, orderTable } from './compiled-order.ts';
import type { Order } from './messages.ts';
import type { Publish } from './router.ts';

/** What the pipeline gives whichever executor fills its slot. */
export interface ExecutorInput {
  publish: Publish;
  /** The simulator's cost model per symbol (a live venue charges its own fees). */
  costs: ReadonlyMap<string, CostModel>;
  markets: ReadonlyMap<string, Market>;
  /** Prefix of the ids of orders the executor creates itself (protective stops, flatten orders). */
  orderIdPrefix: string;
  /** Live venues: protective stops are native stop orders; otherwise watched on every bar. */
  nativeStops: boolean;
  /**
   * How the simulator runs each order's lifecycle: a machine actor per order (paper sessions, the default) or
   * the table compiled from the same machine (backtests: same states, transitions and status events, a
   * fraction of the cost). Live venues always use actors.
   */
  orderLifecycle?: OrderLifecycleMode;
}

export type OrderLifecycleMode = 'actor' | 'compiled';

export type OrderRef = ActorRefFrom<typeof orderMachine>;

export interface WorkingOrder {
  order: Order;
  ref: OrderRef;
  filled: number;
}

export function startOrder(publish: Publish, order: Order): WorkingOrder {
  // Owned by the executor but not spawned into the pipeline's system: registering one child per order
  // there costs ~5 µs more per order (measured), and nothing looks orders up by id.
  const ref = createActor(orderMachine, {
    id: order.clientOrderId,
    input: { clientOrderId: order.clientOrderId, symbol: order.symbol, qty: order.qty },
  });
  ref.on('orderStatus', (e) =>
    publish({ type: 'OrderUpdate', clientOrderId: e.clientOrderId, ts: e.ts, symbol: e.symbol, status: e.status, reason: e.reason }),
  );
  ref.start();
  // The order's birth in `submitted` is its row in the orders table; only later changes are transitions.
  return { order, ref, filled: 0 };
}

/** Sends an event to an order's machine and records the state change it caused, if any. */
export function advanceOrder(publish: Publish, working: WorkingOrder, event: OrderMachineEvent): void {
  const before = working.ref.getSnapshot().value;
  working.ref.send(event);
  const after = working.ref.getSnapshot().value;
  if (after !== before) {
    publish({ type: 'StateTransition', ts: event.ts, actor: `order:${working.order.clientOrderId}`, from: before, to: after, event: event.type });
  }
}

export function isDone(working: WorkingOrder): boolean {
  return working.ref.getSnapshot().status === 'done';
}

/** An order as the simulator tracks it, whichever way its lifecycle runs. */
export interface SimOrder {
  readonly order: Order;
  filled: number;
  /** Sends an event to the order's lifecycle and records the status and state changes it caused. */
  advance(event: OrderMachineEvent): void;
}

export function startSimOrder(publish: Publish, order: Order, mode: OrderLifecycleMode): SimOrder {
  if (mode === 'compiled') return new CompiledSimOrder(publish, order);
  const working = startOrder(publish, order);
  return {
    order,
    filled: 0,
    advance: (event) => advanceOrder(publish, working, event),
  };
}

/** The order run by the compiled table, publishing exactly what `startOrder` + `advanceOrder` publish. */
class CompiledSimOrder implements SimOrder {
  filled = 0;
  private readonly lifecycle: CompiledOrder;
  private readonly announce: (e: OrderStatusChanged) => void;
  /** `order:<clientOrderId>`, made at the order's first state change and kept for the next ones. */
  private actorName: string | undefined;

  constructor(
    private readonly publish: Publish,
    readonly order: Order,
  ) {
    this.lifecycle = new CompiledOrder(orderTable(), { clientOrderId: order.clientOrderId, symbol: order.symbol, qty: order.qty });
    this.announce = announcerFor(publish);
  }

  advance(event: OrderMachineEvent): void {
    const before = this.lifecycle.state;
    this.lifecycle.send(event, this.announce);
    const after = this.lifecycle.state;
    if (after !== before) {
      this.actorName ??= `order:${this.order.clientOrderId}`;
      this.publish({ type: 'StateTransition', ts: event.ts, actor: this.actorName, from: before, to: after, event: event.type });
    }
  }
}

/** Status changes → OrderUpdate messages: one function per pipeline, shared by all its orders. */
const announcers = new WeakMap<Publish, (e: OrderStatusChanged) => void>();

function announcerFor(publish: Publish): (e: OrderStatusChanged) => void {
  let announce = announcers.get(publish);
  if (announce === undefined) {
    announce = (e) =>
      publish({ type: 'OrderUpdate', clientOrderId: e.clientOrderId, ts: e.ts, symbol: e.symbol, status: e.status, reason: e.reason });
    announcers.set(publish, announce);
  }
  return announce;
}
