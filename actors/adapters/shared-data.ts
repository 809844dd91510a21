// The real candle files of the shared data folder ($QS_DATA_DIR, default ../shared/data) that the demos use.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MarketKind } from '../../machines/domain.ts';
import { dataDir } from './cli.ts';

export interface SharedFile {
  file: string;
  symbol: string;
  market: MarketKind;
}

export const SHARED_FILES: readonly SharedFile[] = [
  { file: 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv', symbol: 'BTC/USD', market: 'crypto' },
  { file: 'nvda-1999-2014.csv', symbol: 'NVDA', market: 'stock' },
  { file: 'orcl-1995-2014.csv', symbol: 'ORCL', market: 'stock' },
  { file: 'yhoo-1996-2015.csv', symbol: 'YHOO', market: 'stock' },
];

/** One line for a data folder that is not there, naming the three ways to get candles. */
export function noMarketDataMessage(dir: string): string {
  return `no market data at ${resolve(dir)}: set QS_DATA_DIR to a folder of candle CSVs, `
    + 'import your own with `bun run data:import`, or download candles with `bun run collect`';
}

/** A shared file missing from the folder: which, where it was looked for, and how to get its candles. */
export function missingSharedFileMessage(f: SharedFile, dir: string): string {
  return `${f.file} is not in ${resolve(dir)}; put it there or set QS_DATA_DIR to a folder holding it, `
    + `import your own with \`bun run data:import --file F.csv --symbol ${f.symbol} --timeframe 1d --market ${f.market}\`, `
    + 'or download candles with `bun run collect`';
}

/** The shared file of each symbol, checked to exist; one line naming what is missing otherwise. */
export function sharedFilesFor(symbols: readonly string[]): (SharedFile & { path: string })[] {
  const dir = dataDir();
  if (!existsSync(dir)) throw new Error(noMarketDataMessage(dir));
  return symbols.map((symbol) => {
    const f = SHARED_FILES.find((s) => s.symbol === symbol);
    if (f === undefined) {
      throw new Error(`--symbols: no shared data file for ${symbol} (available: ${SHARED_FILES.map((s) => s.symbol).join(', ')})`);
    }
    const path = join(dir, f.file);
    if (!existsSync(path)) throw new Error(`no ${symbol} candles: ${missingSharedFileMessage(f, dir)}`);
    return { ...f, path };
  });
}
