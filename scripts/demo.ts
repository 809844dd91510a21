// bun run demo — the newcomer's first command: database, real candles, one backtest, its report.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { backtestFromConfig } from '../actors/adapters/backtest-from-config.ts';
import { dataDir, parseCommandArgs, runMain } from '../actors/adapters/cli.ts';
import { importCsvFile } from '../actors/adapters/csv-import.ts';
import { formatImportSummary } from '../actors/adapters/import-summary.ts';
import { missingSharedFileMessage, noMarketDataMessage, SHARED_FILES } from '../actors/adapters/shared-data.ts';
import { formatSummary } from '../actors/adapters/summary-table.ts';
import { closeDb, DEFAULT_DB_PATH, openDb } from '../db/client.ts';

const USAGE = `Usage: bun run demo [--db PATH] [--quiet]

Creates the database, imports the real candles from the data directory ($QS_DATA_DIR, default
../shared/data), runs mean reversion on BTC/USD daily 2016–2024 and prints the summary and the report path.
Of the four files only BTC/USD's is needed: a missing stock file is skipped, and named.`;

/** The one series the demo's backtest runs on; the others are imported for the commands it suggests after. */
const DEMO_SYMBOL = 'BTC/USD';

await runMain(async () => {
  const args = parseCommandArgs({ db: { type: 'string' }, quiet: { type: 'boolean' } }, USAGE);
  const dir = dataDir();
  if (!existsSync(dir)) throw new Error(noMarketDataMessage(dir));
  const missing = SHARED_FILES.filter((f) => !existsSync(join(dir, f.file)));
  // Checked before the database exists: without its series the demo has nothing to show.
  const demoFile = missing.find((f) => f.symbol === DEMO_SYMBOL);
  if (demoFile !== undefined) throw new Error(`no ${DEMO_SYMBOL} candles for the demo's backtest: ${missingSharedFileMessage(demoFile, dir)}`);
  for (const f of missing) console.log(`skipped ${f.symbol} (the demo's backtest needs only ${DEMO_SYMBOL}): ${missingSharedFileMessage(f, dir)}`);
  const dbPath = args.db ?? DEFAULT_DB_PATH;
  const db = openDb(dbPath);
  try {
    for (const f of SHARED_FILES) {
      if (missing.includes(f)) continue;
      const r = importCsvFile(db, { file: join(dir, f.file), symbol: f.symbol, timeframe: '1d', market: f.market });
      for (const line of formatImportSummary(r)) console.log(line);
    }
  } finally {
    closeDb(db);
  }
  const result = await backtestFromConfig({
    strategyName: 'mean_reversion',
    symbols: [DEMO_SYMBOL],
    timeframe: '1d',
    fromTs: Date.UTC(2016, 0, 1),
    toTs: Date.UTC(2025, 0, 1) - 1,
    dbPath,
    outDir: 'data/backtests',
    quiet: args.quiet,
  });
  console.log('');
  console.log(formatSummary(result));
  console.log(`\nOpen the report in a browser: ${resolve(result.summary.report)}`);
  console.log('More: bun run backtest --help   (e.g. --symbols NVDA,ORCL,YHOO --from 2005-01-01 --to 2014-12-31)');
  if (missing.length > 0) {
    console.log(`Not imported (missing from ${resolve(dir)}): ${missing.map((f) => `${f.symbol} (${f.file})`).join(', ')}`);
  }
});
