// What an import prints: one headline, the first warnings with their bar times, and the command that shows
// them all. Shared by data:import and demo so both tell the same story.
import { formatBarTime } from '../../machines/data/candle-validation.ts';
import type { CsvImportResult } from './csv-import.ts';

export const WARNINGS_SHOWN = 5;

/** The command that re-checks this series and prints every issue (`--exchange` only when it is needed). */
export function validateCommand(result: Pick<CsvImportResult, 'symbol' | 'timeframe' | 'exchange' | 'storedOn'>): string {
  const exchange = result.storedOn.length > 1 ? ` --exchange ${result.exchange}` : '';
  return `bun run data:validate --symbol ${result.symbol} --timeframe ${result.timeframe}${exchange}`;
}

export function formatImportSummary(result: CsvImportResult): string[] {
  const range = `${formatBarTime(result.firstTs, result.timeframe)} .. ${formatBarTime(result.lastTs, result.timeframe)}`;
  const count = result.warnings.length;
  const lines = [
    `imported ${result.rows} rows of ${result.symbol} ${result.timeframe} on ${result.exchange} (${result.layout} layout), `
      + `${range}, price basis ${result.priceBasis}, ${count} warning${count === 1 ? '' : 's'}`,
  ];
  if (result.alreadyStored > 0) {
    const unchanged = result.alreadyStored - result.replaced;
    lines.push(`  ${result.rows - result.alreadyStored} new, ${unchanged} already stored unchanged${unchanged === result.rows ? ': nothing changed' : ''}`);
  }
  if (result.replaced > 0) lines.push(`  replaced ${result.replaced} stored bar${result.replaced === 1 ? '' : 's'} with the file's values (--replace)`);
  // Each warning message carries its line and bar time, e.g. `f.csv line 23 (2011-09-08): outlier: ...`.
  for (const warning of result.warnings.slice(0, WARNINGS_SHOWN)) lines.push(`  warning: ${warning.message}`);
  const hidden = count - WARNINGS_SHOWN;
  if (hidden > 0) {
    lines.push(`  ... ${hidden} more warning${hidden === 1 ? '' : 's'}: see all with \`${validateCommand(result)}\``);
  }
  return lines;
}
