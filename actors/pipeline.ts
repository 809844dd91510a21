// Assembles the actor system: feed → strategy → risk (with its circuit breaker) → executor → portfolio,
// plus the recorder. Backtest, paper and live use this same assembly; they differ only in the executor
// logic, the feed's source and the clock plugged in around it.
import { createActor, setup, type ActorRefFrom, type AnyActorRef } from 'xstate';
import type { EventWriter } from '../db/events.ts';
import type { CostModel, Market } from '../machines/domain.ts';
import { circuitBreakerMachine } from '../machines/risk/circuit-breaker.machine.ts';
import type { RiskLimits } from '../machines/risk/limits.ts';
import type { AnyStrategy } from '../machines/strategies/strategy.ts';
import { alertsLogic, type AlertsOptions } from './alerts.actor.ts';
import { feedLogic } from './feed.actor.ts';
import type { MarketData, MessageType, PipelineMessage } from './messages.ts';
import { portfolioLogic } from './portfolio.actor.ts';
import type { OrderLifecycleMode } from './order-actors.ts';
import { recorderLogic, recorderReceives } from './recorder.actor.ts';
import { riskLogic } from './risk.actor.ts';
import { Router, type ActorName, type Publish } from './router.ts';
import { simExecutorLogic } from './sim-executor.actor.ts';
import { strategyLogic } from './strategy.actor.ts';
import { venueExecutorLogic } from './venue-executor.actor.ts';

export interface PipelineOptions {
  strategy: AnyStrategy;
  limits: RiskLimits;
  markets: ReadonlyMap<string, Market>;
  costs: ReadonlyMap<string, CostModel>;
  startingCash: number;
  orderIdPrefix: string;
  /** Where the event history goes; omit for a purely in-memory run. */
  writer?: EventWriter;
  /** Extra listener for every message routed (tests, progress, alerts). */
  tap?: (message: PipelineMessage) => void;
  /**
   * Which venue executes: the simulator (backtest, paper) or a live venue, whose executor books only what the
   * venue reports and asks the session to place and cancel (VenueRequest).
   */
  venue?: { kind: 'simulated' } | { kind: 'live'; nativeStops: boolean };
  /** Raise alerts (recorded through the writer, then handed to `deliver`); omit for a run without alerts. */
  alerts?: AlertsOptions & { runId: string };
  /** The simulator's order lifecycles: real machine actors (default) or the compiled table (backtests). */
  orderLifecycle?: OrderLifecycleMode;
}

interface PipelineInput extends Omit<PipelineOptions, 'tap'> {
  publish: Publish;
  /** Whether anyone (an actor or the tap) takes a message type: an actor may skip building one nobody takes. */
  heard: (type: MessageType) => boolean;
}

export const pipelineMachine = setup({
  types: {
    input: {} as PipelineInput,
    context: {} as { children: AnyActorRef[] },
    events: {} as { type: 'START' } | { type: 'END' } | { type: 'STOP' },
  },
  actors: {
    feed: feedLogic,
    strategy: strategyLogic,
    risk: riskLogic,
    portfolio: portfolioLogic,
    executor: simExecutorLogic,
    recorder: recorderLogic,
    alerts: alertsLogic,
    circuitBreaker: circuitBreakerMachine,
  },
}).createMachine({
  id: 'pipeline',
  context: ({ input, spawn }) => {
    const { publish } = input;
    const breaker = spawn('circuitBreaker', { id: 'circuitBreaker', systemId: 'circuitBreaker' });
    const children: AnyActorRef[] = [
      breaker,
      spawn('feed', { id: 'feed', systemId: 'feed', input: { publish } }),
      spawn('strategy', { id: 'strategy', systemId: 'strategy', input: { publish, strategy: input.strategy, markets: input.markets } }),
      spawn('risk', {
        id: 'risk',
        systemId: 'risk',
        input: {
          publish,
          limits: input.limits,
          markets: input.markets,
          startingEquity: input.startingCash,
          breaker,
          orderIdPrefix: input.orderIdPrefix,
        },
      }),
      spawn('portfolio', {
        id: 'portfolio',
        systemId: 'portfolio',
        input: { publish, startingCash: input.startingCash, heard: input.heard },
      }),
      spawn('executor', {
        id: 'executor',
        systemId: 'executor',
        input: {
          publish,
          costs: input.costs,
          markets: input.markets,
          orderIdPrefix: input.orderIdPrefix,
          nativeStops: input.venue?.kind === 'live' && input.venue.nativeStops,
          orderLifecycle: input.orderLifecycle,
        },
      }),
    ];
    if (input.alerts) {
      const alerts = { ...input.alerts, maxDrawdownPct: input.limits.maxDrawdownPct, publish };
      children.push(spawn('alerts', { id: 'alerts', systemId: 'alerts', input: alerts }));
    }
    if (input.writer) {
      children.push(spawn('recorder', { id: 'recorder', systemId: 'recorder', input: { writer: input.writer } }));
    }
    return { children };
  },
  initial: 'ready',
  states: {
    ready: { description: 'Actors spawned, no bar delivered yet.', on: { START: 'running', STOP: 'stopped' } },
    running: { description: 'Bars are flowing through the actors.', on: { END: 'ended', STOP: 'stopped' } },
    ended: { description: 'Data exhausted: open orders cancelled, history flushed.', on: { STOP: 'stopped' } },
    stopped: { type: 'final' },
  },
});

export type PipelineActor = ActorRefFrom<typeof pipelineMachine>;

export interface Pipeline {
  /** Delivers one closed candle through the whole pipeline, synchronously. */
  push(bar: MarketData): void;
  /** Signals the end of the stream: open orders are cancelled and the recorder flushes. */
  end(ts: number): void;
  /** Publishes a message as if an actor had (operator commands such as ResetCircuitBreaker). */
  publish: Publish;
  get<T extends AnyActorRef = AnyActorRef>(name: ActorName | 'circuitBreaker'): T;
  /** Writes what the recorder holds (live modes flush after every input). */
  flush(): void;
  stop(): void;
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const router = new Router();
  const { tap } = options;
  const publish: Publish = tap
    ? (message) => {
        tap(message);
        router.publish(message);
      }
    : router.publish;
  // Only the executor differs between modes: the live one takes the simulator's place in the same assembly.
  const machine =
    options.venue?.kind === 'live'
      ? pipelineMachine.provide({ actors: { executor: venueExecutorLogic as unknown as typeof simExecutorLogic } })
      : pipelineMachine;
  const heard = tap ? () => true : router.hears;
  const root = createActor(machine, { input: { ...options, publish, heard } });
  let failure: unknown;
  root.subscribe({ error: (err) => (failure = err) });
  root.start();
  const lookup = <T extends AnyActorRef>(name: string): T => root.system.get(name) as T;
  const { writer } = options;
  router.attach(
    (name) => lookup(name),
    (name, type) => name !== 'recorder' || writer === undefined || recorderReceives(writer, type),
  );

  const breaker = lookup<ActorRefFrom<typeof circuitBreakerMachine>>('circuitBreaker');
  let breakerState = 'trading';
  breaker.on('breakerChanged', (e) => {
    publish({ type: 'RiskEvent', ts: e.ts, kind: e.kind, level: e.level, state: e.state, reason: e.reason });
    publish({ type: 'StateTransition', ts: e.ts, actor: 'circuitBreaker', from: breakerState, to: e.state, event: e.event });
    breakerState = e.state;
  });

  const feed = lookup('feed');
  const check = () => {
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
  };
  const lifecycle = (event: 'START' | 'END', ts: number) => {
    const from = String(root.getSnapshot().value);
    root.send({ type: event });
    publish({ type: 'StateTransition', ts, actor: 'pipeline', from, to: String(root.getSnapshot().value), event });
  };
  let started = false;
  return {
    push(bar) {
      if (!started) {
        started = true;
        lifecycle('START', bar.ts);
      }
      feed.send(bar);
      check();
    },
    end(ts) {
      // Recorded before EndOfData so the recorder's final flush includes it.
      lifecycle('END', ts);
      feed.send({ type: 'EndOfData', ts });
      check();
    },
    publish,
    get: lookup,
    flush() {
      options.writer?.flush();
    },
    stop() {
      root.send({ type: 'STOP' });
    },
  };
}
