// A backtest as the commands run it: configuration from config/, candles from the market DB, a fresh run id.
import { randomBytes } from 'node:crypto';
import { closeDb, openExistingDb } from '../../db/client.ts';
import { openAlertDelivery, type OpenAlertDelivery } from '../alerts/alert-delivery.ts';
import { ALERTS_CONFIG, loadAlertsConfig } from '../alerts/alerts-config.ts';
import { runBacktest, runDbPath, type BacktestResult } from '../backtest.ts';
import { collectForBacktest, type SourceSpec } from './collect-command.ts';
import { loadRiskLimits, loadStrategy, loadVenueConfig } from './config.ts';
import { createProgress } from './progress.ts';

export interface BacktestCommand {
  strategyName: string;
  /** Strategy parameters replacing the YAML's (`--param`). */
  params?: Record<string, unknown>;
  symbols: string[];
  /** The exchange whose stored series are read (`--exchange` without `--collect`). */
  exchange?: string;
  timeframe: string;
  fromTs?: number;
  toTs?: number;
  capital?: number;
  dbPath: string;
  outDir: string;
  quiet?: boolean;
  /** Download missing candles first (bun run backtest --collect); the source defaults per symbol. */
  collect?: Partial<SourceSpec>;
  /**
   * `--alerts` / `--alerts-config FILE`: send the run's alerts to the sinks of this config file too (default: the
   * run DB only, so a ten-year backtest cannot flood a channel). Either way the alerts follow the `rules:` of this
   * file, or of config/alerts.yaml without it.
   */
  alerts?: { configPath: string; open?: OpenAlertDelivery };
}

export function newRunId(prefix: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${prefix}-${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function backtestFromConfig(cmd: BacktestCommand): Promise<BacktestResult> {
  const venue = loadVenueConfig();
  const limits = loadRiskLimits();
  const alertRules = loadAlertsConfig(cmd.alerts?.configPath ?? ALERTS_CONFIG).rules;
  const { strategy, params } = await loadStrategy(cmd.strategyName, undefined, cmd.params);
  const capital = cmd.capital ?? venue.startingCapital;
  if (cmd.collect) {
    await collectForBacktest({ ...cmd.collect, symbols: cmd.symbols, timeframe: cmd.timeframe, fromTs: cmd.fromTs, toTs: cmd.toTs, dbPath: cmd.dbPath, quiet: cmd.quiet });
  }
  const now = new Date();
  const runId = newRunId('bt', now);
  const marketDb = openExistingDb(cmd.dbPath);
  const progress = createProgress('backtest', { quiet: cmd.quiet });
  const alerts =
    cmd.alerts === undefined
      ? undefined
      : await (cmd.alerts.open ?? openAlertDelivery)({
          mode: 'backtest',
          runId,
          dbPath: runDbPath(cmd.outDir, runId),
          configPath: cmd.alerts.configPath,
        });
  try {
    const result = runBacktest({
      runId,
      strategy,
      strategyParams: params,
      symbols: cmd.symbols,
      exchange: cmd.exchange,
      timeframe: cmd.timeframe,
      fromTs: cmd.fromTs,
      toTs: cmd.toTs,
      capital,
      limits,
      venue,
      marketDb,
      outDir: cmd.outDir,
      startedAt: now.getTime(),
      now: () => Date.now(),
      onProgress: progress.update,
      alerts,
      alertRules,
    });
    progress.finish();
    return result;
  } finally {
    await alerts?.close();
    closeDb(marketDb);
  }
}
