// bun run demo — the newcomer's first command: database, real candles, one backtest, its report.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { backtestFromConfig } from '../actors/adapters/backtest-from-config.ts';
import { dataDir, parseCommandArgs, runMain } from '../actors/adapters/cli.ts';
import { importCsvFile } from '../actors/adapters/csv-import.ts';
import { formatImportSummary } from '../actors/adapters/import-summary.ts';
import { formatSummary } from '../actors/adapters/summary-table.ts';
import { closeDb, DEFAULT_DB_PATH, openDb } from '../db/client.ts';

const USAGE = `Usage: bun run demo [--db PATH] [--quiet]

Creates the database, imports the real candles from the data directory ($QS_DATA_DIR, default
../shared/data), runs mean reversion on BTC/USD daily 2016–2024 and prints the summary and the report path.`;

const FILES = [
  { file: 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv', symbol: 'BTC/USD', market: 'crypto' },
  { file: 'nvda-1999-2014.csv', symbol: 'NVDA', market: 'stock' },
  { file: 'orcl-1995-2014.csv', symbol: 'ORCL', market: 'stock' },
  { file: 'yhoo-1996-2015.csv', symbol: 'YHOO', market: 'stock' },
] as const;

await runMain(async () => {
  const args = parseCommandArgs({ db: { type: 'string' }, quiet: { type: 'boolean' } }, USAGE);
  const dir = dataDir();
  if (!existsSync(dir)) {
    throw new Error(
      `no market data at ${resolve(dir)}: set QS_DATA_DIR to a folder of candle CSVs, ` +
        'import your own with `bun run data:import`, or download candles with `bun run collect`',
    );
  }
  const dbPath = args.db ?? DEFAULT_DB_PATH;
  const db = openDb(dbPath);
  try {
    for (const f of FILES) {
      const path = join(dir, f.file);
      if (!existsSync(path)) throw new Error(`${path}: file not found (expected in ${resolve(dir)})`);
      const r = importCsvFile(db, { file: path, symbol: f.symbol, timeframe: '1d', market: f.market });
      for (const line of formatImportSummary(r)) console.log(line);
    }
  } finally {
    closeDb(db);
  }
  const result = await backtestFromConfig({
    strategyName: 'mean_reversion',
    symbols: ['BTC/USD'],
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
});
