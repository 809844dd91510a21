// Does a hanging alert receiver slow trading? The in-memory pipeline runs the same bars twice per round: once
// with a dispatcher whose webhook sink points at a 127.0.0.1 receiver that never answers (every Fill and
// RiskEvent becomes an alert, as the alerts actor will raise them), once without. Both runs yield to the event
// loop every few hundred bars, as a live session does between bars, so the dispatcher's requests, timeouts
// and retries really run alongside the bars.
import { loadAlertsConfig } from './alerts/alerts-config.ts';
import { createDispatcher } from './alerts/dispatcher.ts';
import { createWebhookSink } from './alerts/sinks/webhook.ts';
import type { Alert } from '../machines/alerts/alert.ts';
import type { RiskLimits } from '../machines/risk/limits.ts';
import type { AnyStrategy } from '../machines/strategies/strategy.ts';
import { marketsFor, SyntheticBars } from './bench.ts';
import type { PipelineMessage } from './messages.ts';
import { createPipeline } from './pipeline.ts';

export interface AlertsBenchOptions {
  barsPerSymbol: number;
  symbols: number;
  strategy: () => AnyStrategy;
  limits: RiskLimits;
  rounds?: number;
}

export interface AlertsBenchResult {
  bars: number;
  rounds: number;
  /** Median over the rounds. */
  without_alerts_bars_per_s: number;
  hanging_receiver_bars_per_s: number;
  /** hanging / without, median of the rounds' ratios. */
  ratio: number;
  alerts_per_run: number;
  requests_hanging: number;
  statuses: Record<string, number>;
  /** Spread of the baseline alone: max/min bars/s over its rounds. */
  baseline_spread: number;
}

const YIELD_EVERY = 256;

export const BENCH_POLICY = {
  timeoutMs: 100,
  retry: { initialBackoffMs: 10, maxBackoffMs: 40 },
  pauseAfterFailures: Number.MAX_SAFE_INTEGER,
  closeTimeoutMs: 50,
};

function alertOf(message: PipelineMessage, wallTs: number): Alert | undefined {
  if (message.type === 'Fill') {
    return {
      key: `fill:${message.symbol}`, level: 'info', title: `Fill ${message.side} ${message.qty} ${message.symbol}`,
      body: `at ${message.price}, fee ${message.fee}`, barTs: message.ts, wallTs, runId: 'bench',
    };
  }
  if (message.type === 'RiskEvent') {
    return { key: `risk:${message.kind}`, level: message.level, title: message.kind, body: message.reason, barTs: message.ts, wallTs, runId: 'bench' };
  }
  return undefined;
}

async function timeRun(
  bars: SyntheticBars,
  opts: AlertsBenchOptions,
  deliver: ((alert: Alert) => void) | undefined,
): Promise<{ seconds: number; alerts: number }> {
  const { markets, costs } = marketsFor(opts.symbols);
  let alerts = 0;
  const pipeline = createPipeline({
    strategy: opts.strategy(),
    limits: opts.limits,
    markets,
    costs,
    startingCash: 1_000_000,
    orderIdPrefix: 'a-',
    tap: (message) => {
      if (message.type !== 'Fill' && message.type !== 'RiskEvent') return;
      alerts++;
      if (deliver !== undefined) deliver(alertOf(message, Date.now())!);
    },
  });
  const started = performance.now();
  for (let i = 0; i < bars.length; i++) {
    pipeline.push(bars.at(i));
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  pipeline.end(bars.at(bars.length - 1).closeTs);
  const seconds = (performance.now() - started) / 1000;
  pipeline.stop();
  return { seconds, alerts };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function runAlertsBench(opts: AlertsBenchOptions): Promise<AlertsBenchResult> {
  const rounds = opts.rounds ?? 3;
  const bars = new SyntheticBars(opts.barsPerSymbol, opts.symbols);
  const release: Array<() => void> = [];
  let requests = 0;
  const receiver = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    fetch: async () => {
      requests++;
      await new Promise<void>((resolve) => release.push(resolve));
      return new Response('released', { status: 503 });
    },
  });
  // The shipped policy would time a request out after 5 s, longer than a run: the bench shortens the timeout
  // and backoff and never pauses the sink, so requests hang, time out and retry all through the run (the
  // busiest the dispatcher gets). close() gives up at once: the bench measures bars, not the shutdown.
  const delivery = {
    ...loadAlertsConfig().delivery,
    ...BENCH_POLICY,
    retry: { ...loadAlertsConfig().delivery.retry, ...BENCH_POLICY.retry },
  };
  const statuses: Record<string, number> = {};
  const baseline: number[] = [];
  const hanging: number[] = [];
  let alertsPerRun = 0;
  try {
    await timeRun(new SyntheticBars(Math.min(opts.barsPerSymbol, 5_000), opts.symbols, 7), opts, undefined); // JIT warm-up
    for (let round = 0; round < rounds; round++) {
      const base = await timeRun(bars, opts, undefined);
      baseline.push(bars.length / base.seconds);
      const dispatcher = createDispatcher(
        [createWebhookSink({ name: 'webhook:bench', minLevel: 'info', url: `http://127.0.0.1:${receiver.port}/hook` })],
        { ...delivery, clock: { now: () => Date.now() }, onStatus: (_id, _sink, status) => (statuses[status] = (statuses[status] ?? 0) + 1) },
      );
      const run = await timeRun(bars, opts, (alert) => dispatcher.deliver(alert));
      hanging.push(bars.length / run.seconds);
      alertsPerRun = run.alerts;
      await dispatcher.close();
    }
  } finally {
    for (const r of release.splice(0)) r();
    await receiver.stop(true);
  }
  const ratios = hanging.map((h, i) => h / baseline[i]!);
  return {
    bars: bars.length,
    rounds,
    without_alerts_bars_per_s: Math.round(median(baseline)),
    hanging_receiver_bars_per_s: Math.round(median(hanging)),
    ratio: Number(median(ratios).toFixed(3)),
    alerts_per_run: alertsPerRun,
    requests_hanging: requests,
    statuses,
    baseline_spread: Number((Math.max(...baseline) / Math.min(...baseline)).toFixed(3)),
  };
}
