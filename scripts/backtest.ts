// bun run backtest — runs a strategy over stored candles through the full actor pipeline.
import { backtestFromConfig } from '../actors/adapters/backtest-from-config.ts';
import {
  outputFolderFlag,
  parseCommandArgs,
  parseDateFlag,
  parseNameList,
  parsePositiveNumber,
  parseTimeframeFlag,
  required,
  runMain,
} from '../actors/adapters/cli.ts';
import { parseFeed, parseSourceName } from '../actors/adapters/collect-command.ts';
import { formatSummary, summaryJson } from '../actors/adapters/summary-table.ts';
import { ALERTS_CONFIG } from '../actors/alerts/alerts-config.ts';
import { DEFAULT_DB_PATH } from '../db/client.ts';
import { DAY_MS } from '../machines/data/timeframe.ts';
import { parseParamFlags } from '../machines/research/grid.ts';

const USAGE = `Usage: bun run backtest --strategy NAME --symbols A,B --timeframe TF [options]

Replays stored candles through the pipeline (feed → strategy → risk → executor → portfolio) with
conservative fills, writes the run to data/backtests/<run-id>.db and an HTML report beside it.

  --strategy NAME     a strategy in machines/strategies/ with config/strategies/NAME.yaml (e.g. mean_reversion)
  --symbols LIST      comma-separated symbols, crypto and stocks may be mixed (e.g. BTC/USD,ORCL)
  --timeframe TF      bar size of the stored candles (e.g. 1d, 1h; 1Day, 1Hour also accepted)
  --from DATE         first bar (YYYY-MM-DD, UTC), default: first stored
  --to DATE           last bar, inclusive (YYYY-MM-DD), default: last stored
  --param KEY=VALUE   replace one strategy parameter of the YAML (repeatable), e.g. --param lookback=30
  --capital N         starting cash in quote currency (default: config/backtest.yaml)
  --db PATH           market-data database (default ${DEFAULT_DB_PATH})
  --out DIR           where the run DB and report go (default data/backtests)
  --json              also print the summary as one JSON object on the last line
  --quiet             no progress bar
  --collect           first download missing candles for the range (needs --from): crypto pairs through ccxt
                      (--exchange, default binance), stocks through alpaca (keys in .env); see bun run collect
  --source NAME       with --collect: ccxt or alpaca for every symbol
  --exchange ID       read the series stored for this exchange (when a symbol is stored for several);
                      with --collect: the ccxt exchange id to download from
  --feed NAME         with --collect: the alpaca data feed (iex, sip)
  --base-url URL      with --collect: send the venue requests to this origin instead
  --alerts            also send the run's alerts to the sinks of config/alerts.yaml (--alerts-config FILE
                      for another file); without it alerts are only written to the run DB. Either way the
                      alerts follow the rules: of that file (drawdown steps, deduplication window)`;

await runMain(async () => {
  const args = parseCommandArgs(
    {
      strategy: { type: 'string' },
      symbols: { type: 'string' },
      timeframe: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      capital: { type: 'string' },
      param: { type: 'string', multiple: true },
      db: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
      collect: { type: 'boolean' },
      source: { type: 'string' },
      exchange: { type: 'string' },
      feed: { type: 'string' },
      'base-url': { type: 'string' },
      alerts: { type: 'boolean' },
      'alerts-config': { type: 'string' },
    },
    USAGE,
  );
  const strategyName = required('strategy', args.strategy);
  // Every option is checked here, before a run id, a run row or a file exists.
  const symbols = parseNameList('symbols', args.symbols);
  // Candles are stored under one spelling (1h, 1d), whichever the user types.
  const timeframe = parseTimeframeFlag('timeframe', args.timeframe);
  const fromTs = parseDateFlag('from', args.from);
  const toDay = parseDateFlag('to', args.to);
  // A date-only --to includes that whole day (a stock session opens at 14:30 UTC).
  const toTs = toDay === undefined ? undefined : /^\d{4}-\d{2}-\d{2}$/.test(args.to!) ? toDay + DAY_MS - 1 : toDay;
  if (fromTs !== undefined && toTs !== undefined && toTs < fromTs) throw new Error('--to is before --from');
  const outDir = outputFolderFlag('out', args.out ?? 'data/backtests');

  const collectFlags = [args.source, args.feed, args['base-url']];
  if (!args.collect && collectFlags.some((flag) => flag !== undefined)) {
    throw new Error('--source, --feed and --base-url only apply with --collect');
  }
  const collect = args.collect
    ? {
        source: args.source === undefined ? undefined : parseSourceName(args.source),
        exchange: args.exchange,
        feed: parseFeed(args.feed),
        baseUrl: args['base-url'],
      }
    : undefined;

  const capital = parsePositiveNumber('capital', args.capital);
  const params = parseParamFlags(args.param ?? []);
  const result = await backtestFromConfig({
    strategyName,
    params,
    symbols,
    // With --collect the exchange names the download source; the collection keeps one series per symbol.
    exchange: args.collect ? undefined : args.exchange,
    timeframe,
    fromTs,
    toTs,
    capital,
    dbPath: args.db ?? DEFAULT_DB_PATH,
    outDir,
    quiet: args.quiet,
    collect,
    alerts: args.alerts || args['alerts-config'] !== undefined ? { configPath: args['alerts-config'] ?? ALERTS_CONFIG } : undefined,
  });
  console.log(formatSummary(result));
  if (args.json) console.log(summaryJson(result));
});
