// bun run paper:demo — paper trading with no keys and no network: real recorded candles released through
// the live session runtime at an accelerated clock, into data/paper_trading.db.
import { parseCommandArgs, parseDateFlag, parseNameList, runMain } from '../actors/adapters/cli.ts';
import { checkSessionDbFile, DEFAULT_PAPER_DB, runPaperSession } from '../actors/adapters/paper-session.ts';
import { demoSession } from '../actors/adapters/paper-demo-session.ts';
import { checkAlertSinks, openAlertDelivery } from '../actors/alerts/alert-delivery.ts';
import { ALERTS_CONFIG } from '../actors/alerts/alerts-config.ts';

const USAGE = `Usage: bun run paper:demo [options]

Paper-trades recorded candles from the shared data ($QS_DATA_DIR, default ../shared/data) through the same
session runtime as \`bun run paper\`: each bar is released as if it had just closed, ${4} per second by default.
Prints every signal, risk decision and fill, then the portfolio. Watch it live with
  bun run dashboard --db ${DEFAULT_PAPER_DB}
Ctrl-C stops it; running the same command again resumes the session where it stopped.

  --symbols LIST   shared-data symbols, each once (default BTC/USD; NVDA, ORCL, YHOO also ship, their
                   data ending 2014-2015: give them an earlier --from)
  --from DATE      first bar of the stretch (default 2017-06-01, a stretch that trades)
  --bars N         bars of each symbol in the session (default 400)
  --speed N        bars per second (default 4; 0 = as fast as possible)
  --strategy NAME  default mean_reversion
  --capital N      starting cash (default config/backtest.yaml)
  --db PATH        session database (default ${DEFAULT_PAPER_DB})
  --new-session    start a new session instead of resuming the last unfinished one
  --quiet          only the start line, operator commands taken, the final summary and errors`;

await runMain(async () => {
  const args = parseCommandArgs(
    {
      symbols: { type: 'string' },
      from: { type: 'string' },
      bars: { type: 'string' },
      speed: { type: 'string' },
      strategy: { type: 'string' },
      capital: { type: 'string' },
      db: { type: 'string' },
      'new-session': { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
    USAGE,
  );
  const dbPath = args.db ?? DEFAULT_PAPER_DB;
  checkAlertSinks(ALERTS_CONFIG);
  checkSessionDbFile(dbPath);
  const demo = await demoSession({
    symbols: parseNameList('symbols', args.symbols ?? 'BTC/USD'),
    fromTs: parseDateFlag('from', args.from) ?? Date.UTC(2017, 5, 1),
    bars: args.bars,
    speed: args.speed,
    strategyName: args.strategy ?? 'mean_reversion',
    capital: args.capital,
  });
  await runPaperSession({
    dbPath,
    openAlerts: (runId) => openAlertDelivery({ mode: 'paper', runId, dbPath, configPath: ALERTS_CONFIG, quiet: args.quiet }),
    newSession: args['new-session'] ?? false,
    quiet: args.quiet,
    ...demo,
  });
});
