// bun run data:remove --symbol S [--exchange E] [--timeframe TF] — deletes one stored series (undoes a wrong import).
import { parseCommandArgs, required, runMain } from '../actors/adapters/cli.ts';
import { removeSeries } from '../db/candles.ts';
import { closeDb, DEFAULT_DB_PATH, openExistingDb } from '../db/client.ts';
import { canonicalTimeframe } from '../machines/data/venue-timeframes.ts';

const USAGE = `Usage: bun run data:remove --symbol S [--exchange NAME] [--timeframe TF] [--db PATH]

Deletes the stored candles of one symbol on one exchange (all timeframes, or one), and its instrument once
none of its candles remain there, e.g. to undo an import with the wrong --market. Nothing else is touched:
other exchanges and timeframes stay, and backtest runs that used the data are kept.
  --symbol S          e.g. ORCL, BTC/USD
  --exchange NAME     required when the symbol is stored for several exchanges
  --timeframe TF      only this timeframe (e.g. 1d, 1h; 1Day also accepted), default: every timeframe
  --db PATH           database file (default ${DEFAULT_DB_PATH})`;

await runMain(() => {
  const args = parseCommandArgs(
    {
      symbol: { type: 'string' },
      exchange: { type: 'string' },
      timeframe: { type: 'string' },
      db: { type: 'string' },
    },
    USAGE,
  );
  const symbol = required('symbol', args.symbol);
  const timeframe = args.timeframe === undefined ? undefined : canonicalTimeframe(required('timeframe', args.timeframe));
  const db = openExistingDb(args.db ?? DEFAULT_DB_PATH);
  try {
    const removed = removeSeries(db, { symbol, exchange: args.exchange, timeframe });
    const series = `${removed.symbol}${removed.timeframe === undefined ? '' : ` ${removed.timeframe}`} on ${removed.exchange}`;
    const instrument = removed.instrument === undefined
      ? removed.remainingTimeframes.length > 0
        ? `; the instrument stays (${removed.remainingTimeframes.join(', ')} candles remain)`
        : ''
      : ` and the instrument ${removed.symbol} on ${removed.exchange} (${removed.instrument.kind}, ${removed.instrument.priceBasis} prices, ${removed.instrument.source})`;
    console.log(`removed ${removed.rows} candle row${removed.rows === 1 ? '' : 's'} of ${series}${instrument}`);
  } finally {
    closeDb(db);
  }
});
