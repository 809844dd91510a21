// What a paper/live session runs with, frozen when it starts: stored as the run's config snapshot, and the
// only thing a restart or `bun run replay` builds the pipeline from (editing config/ later changes nothing).
import { DEFAULT_ALERT_RULES, type AlertRuleSettings } from '../../machines/alerts/alert-rule-settings.ts';
import type { CostModel, Market } from '../../machines/domain.ts';
import type { RiskLimits } from '../../machines/risk/limits.ts';
import type { EventWriter } from '../../db/events.ts';
import { createStrategyFromParams } from '../adapters/config.ts';
import type { AlertsOptions } from '../alerts.actor.ts';
import type { PipelineMessage } from '../messages.ts';
import { createPipeline, type Pipeline } from '../pipeline.ts';

export interface SessionSnapshot {
  mode: 'paper' | 'live';
  strategy: { name: string; params: Record<string, unknown> };
  symbols: string[];
  timeframe: string;
  capital: number;
  risk: RiskLimits;
  costs: Record<string, CostModel>;
  markets: Record<string, Market>;
  /** Where the bars come from, e.g. { kind: 'demo', file, from } or { kind: 'ccxt', exchange }. */
  source: Record<string, string | number>;
  /** Live sessions: the venue orders go to, and how protective stops are kept there. Absent: simulated fills. */
  venue?: { name: string; nativeStops: boolean };
  /** The `rules:` of config/alerts.yaml. Absent in sessions recorded before they were kept: DEFAULT_ALERT_RULES. */
  alertRules?: AlertRuleSettings;
}

/** The snapshot with every later-added setting filled in as the sessions recorded without it ran. */
export function completeSnapshot(snapshot: Partial<SessionSnapshot>): Partial<SessionSnapshot> {
  return { ...snapshot, alertRules: snapshot.alertRules ?? DEFAULT_ALERT_RULES };
}

export async function sessionPipeline(
  runId: string,
  snapshot: SessionSnapshot,
  writer: EventWriter | undefined,
  tap?: (message: PipelineMessage) => void,
  /** Replay of a live session through the backtest path: the simulator instead of the venue. */
  executor: 'snapshot' | 'simulated' = 'snapshot',
  /** Where raised alerts go besides the writer; by default nowhere (a replay derives them only to compare). */
  alerts: Pick<AlertsOptions, 'deliver' | 'now'> = { deliver: () => {}, now: () => 0 },
): Promise<Pipeline> {
  const strategy = await createStrategyFromParams(snapshot.strategy.name, snapshot.strategy.params);
  return createPipeline({
    strategy,
    limits: snapshot.risk,
    markets: new Map(Object.entries(snapshot.markets)),
    costs: new Map(Object.entries(snapshot.costs)),
    startingCash: snapshot.capital,
    orderIdPrefix: `${runId}-`,
    writer,
    tap,
    // Always raised, with the rules the session started with: recovery and replay derive the alerts it recorded.
    alerts: { runId, ...alerts, rules: snapshot.alertRules },
    venue:
      snapshot.venue !== undefined && executor === 'snapshot'
        ? { kind: 'live', nativeStops: snapshot.venue.nativeStops }
        : { kind: 'simulated' },
  });
}

export interface SnapshotDifference {
  /** The first field where the two differ: `symbols`, `risk.positionMaxPct`, `alertRules.dedupWindowMs`, ... */
  field: string;
  recorded: unknown;
  now: unknown;
}

/** The first field where a recorded snapshot and today's differ, with both values, or undefined. */
export function snapshotDifference(recorded: unknown, now: unknown, path = ''): SnapshotDifference | undefined {
  if (typeof recorded !== 'object' || typeof now !== 'object' || recorded === null || now === null) {
    return Object.is(recorded, now) ? undefined : { field: path || '(root)', recorded, now };
  }
  const keys = new Set([...Object.keys(recorded), ...Object.keys(now)]);
  for (const k of keys) {
    const d = snapshotDifference((recorded as Record<string, unknown>)[k], (now as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Where a snapshot's top-level setting comes from, for the message that names a difference. */
const SETTING_ORIGINS: Record<string, string> = {
  risk: 'config/risk.yaml',
  alertRules: 'config/alerts.yaml rules',
  costs: 'config/backtest.yaml',
  markets: 'config/backtest.yaml, or the venue',
  capital: '--capital or config/backtest.yaml',
  strategy: '--strategy and config/strategies/',
  symbols: '--symbols',
  timeframe: '--timeframe',
  source: 'the command and its flags',
};

/** `alertRules.dedupWindowMs (from config/alerts.yaml rules): recorded 60000, now 120000`. */
export function describeDifference(d: SnapshotDifference): string {
  const origin = SETTING_ORIGINS[d.field.split('.')[0]!];
  const value = (v: unknown): string => (v === undefined ? 'unset' : JSON.stringify(v).slice(0, 80));
  return `${d.field}${origin === undefined ? '' : ` (from ${origin})`}: recorded ${value(d.recorded)}, now ${value(d.now)}`;
}
