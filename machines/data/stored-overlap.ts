// An import meets the bars already stored of its series: a file of the same bars is a no-op, a file whose bars
// sit between the stored ones (a 12:00 series imported over a 00:00 one) would leave a series no backtest can
// trust, and a file with other values for a stored bar would overwrite it. Pure: the caller reads the stored bars
// around the file's range and writes nothing when this finds an error.
import { formatBarTime, formatDuration, makeIssue, validateCandles, type Issue } from './candle-validation.ts';
import type { RawCandle } from './csv-layouts.ts';
import type { MarketKind } from '../domain.ts';
import { isSessionTimeframe, timeframeMs } from './timeframe.ts';

/** A stored bar's time and values: a file's bar without its line and adjusted close. */
export type StoredBar = Omit<RawCandle, 'line' | 'adjClose'>;

export interface StoredOverlapOptions {
  source: string;
  timeframe: string;
  kind: MarketKind;
  outlierRangeMultiple?: number;
}

export interface StoredOverlap {
  /** File bars that fall between stored bars, less than one bar from them. */
  errors: Issue[];
  /** File bars whose values differ from the stored bar at the same time (an import would overwrite them). */
  differing: Issue[];
  /** File bars with a stored bar at the same time, the same values or not. */
  alreadyStored: number;
  /** Gaps and outliers of the series as it would be stored: the file's bars among their stored neighbours. */
  warnings: Issue[];
}

const VALUE_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

interface MergedBar {
  bar: StoredBar;
  /** The file line, or undefined for a stored bar the file does not replace. */
  line: number | undefined;
}

/**
 * `file`: the bars about to be stored, in time order (validated on their own already). `stored`: the stored bars
 * of the series from a few before the file's first bar to one after its last, in time order.
 */
export function checkAgainstStored(file: RawCandle[], stored: StoredBar[], opts: StoredOverlapOptions): StoredOverlap {
  const where = { source: opts.source, timeframe: opts.timeframe };
  const errors: Issue[] = [];
  const differing: Issue[] = [];
  const storedAt = new Map(stored.map((bar) => [bar.ts, bar]));
  let alreadyStored = 0;
  for (const bar of file) {
    const old = storedAt.get(bar.ts);
    if (old === undefined) continue;
    alreadyStored++;
    const changes = VALUE_FIELDS.filter((field) => old[field] !== bar[field]).map((field) => `${field} ${old[field]} → ${bar[field]}`);
    if (changes.length > 0) differing.push(makeIssue(where, bar.line, bar.ts, 'ts', `differs from the stored bar: ${changes.join(', ')}`));
  }

  const fileTimes = new Set(file.map((bar) => bar.ts));
  const merged: MergedBar[] = [
    ...file.map((bar) => ({ bar, line: bar.line })),
    ...stored.filter((bar) => !fileTimes.has(bar.ts)).map((bar) => ({ bar, line: undefined })),
  ].sort((a, b) => a.bar.ts - b.bar.ts);

  // Daily stock bars all open at their session's open, so two of them are never less than a bar apart.
  if (!(opts.kind === 'stock' && isSessionTimeframe(opts.timeframe))) {
    const barMs = timeframeMs(opts.timeframe);
    for (let i = 1; i < merged.length; i++) {
      const [before, after] = [merged[i - 1]!, merged[i]!];
      if ((before.line === undefined) === (after.line === undefined) || after.bar.ts - before.bar.ts >= barMs) continue;
      const [fromFile, fromStore, side] = before.line === undefined ? [after, before, 'after'] : [before, after, 'before'];
      const text = `${formatDuration(after.bar.ts - before.bar.ts)} ${side} the stored bar at ${formatBarTime(fromStore.bar.ts, opts.timeframe)},`
        + ` less than one ${opts.timeframe} bar: the file's bars are not on the stored series' times`;
      errors.push(makeIssue(where, fromFile.line!, fromFile.bar.ts, 'ts', text));
    }
  }
  return { errors, differing, alreadyStored, warnings: mergedWarnings(merged, opts) };
}

/** The series' gaps and outliers with the file in place, on the file's bars and on the stored bar after each. */
function mergedWarnings(merged: MergedBar[], opts: StoredOverlapOptions): Issue[] {
  const rows: RawCandle[] = merged.map(({ bar }, i) => ({ ...bar, line: i + 1 }));
  const { warnings } = validateCandles(rows, { ...opts, lineLabel: 'row' });
  const shown: Issue[] = [];
  for (const warning of warnings) {
    const at = warning.line - 1;
    const { line } = merged[at]!;
    const previousLine = at > 0 ? merged[at - 1]!.line : undefined;
    if (line === undefined && previousLine === undefined) continue;
    const prefix = `${opts.source} row ${warning.line}`;
    const rest = warning.message.startsWith(prefix) ? warning.message.slice(prefix.length) : `: ${warning.message}`;
    shown.push(
      line !== undefined
        ? { ...warning, line, message: `${opts.source} line ${line}${rest}` }
        : { ...warning, line: previousLine!, message: `${opts.source} stored bar after line ${previousLine}${rest}` },
    );
  }
  return shown;
}
