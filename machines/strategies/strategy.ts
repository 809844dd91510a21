// The one interface every strategy implements. A strategy is pure: it sees closed bars one at a time
// (never the future), keeps its own per-symbol state, and proposes a Signal; it never sizes or sends orders.
import type { Bar, SignalAction } from '../domain.ts';

/** What the strategy knows of its own position, as reported back by the portfolio. */
export type PositionPhase = 'flat' | 'long' | 'short';

export interface SignalProposal {
  action: SignalAction;
  confidence: number;
  stopLoss?: number;
  takeProfit?: number;
  reason: string;
}

export interface Strategy<State> {
  readonly name: string;
  /** Bars fed until the first signal can appear, that bar included. */
  readonly warmupBars: number;
  /**
   * How its indicators are defined, in one line (e.g. which bars a rolling window takes): shown in the report's
   * configuration, so a reader can tell what ran without reading the code.
   */
  readonly description?: string;
  init(symbol: string): State;
  /** Called once per closed bar; may mutate and must return the state (hot path: no copies). */
  onBar(state: State, bar: Bar, phase: PositionPhase): SignalProposal | undefined;
}

/** A strategy whose state type is hidden, so the pipeline can hold any of them. */
export type AnyStrategy = Strategy<unknown>;

/**
 * What a strategy file exports as `definition`: its parameter schema (checked against
 * config/strategies/<name>.yaml) and a factory. Adding a strategy = adding one file here plus its YAML.
 */
export interface StrategyDefinition<Params> {
  readonly name: string;
  /** Validates the raw YAML object; throws with the field path on bad input. */
  parseParams(raw: unknown): Params;
  create(params: Params): AnyStrategy;
}
