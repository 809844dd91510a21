// Shared plumbing for the `bun run <command>` entry files: argument errors, one-line failures, dates.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { canonicalTimeframe } from '../../machines/data/venue-timeframes.ts';

/** Runs a command's main; any error becomes one line on stderr and exit code 1 (no stack trace). */
export async function runMain(main: () => Promise<void> | void): Promise<void> {
  try {
    await main();
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity\b)/;

/**
 * `--capital -5`: node's parseArgs reads "-5" as a cluster of short options and refuses the line as
 * ambiguous. A negative number after a value-taking option is that option's value, so it is joined to it
 * (`--capital=-5`) and reaches the command's own validation like any other value.
 */
export function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

export function parseCommandArgs<T extends Options>(options: T, usage: string, argv: string[] = Bun.argv.slice(2)) {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options: { ...options, help: { type: 'boolean' } }, strict: true });
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed.values;
}

/**
 * `YYYY-MM-DD` (UTC midnight) or an ISO 8601 time that states its zone (`2024-01-30T16:00:00Z`,
 * `...T11:00-05:00`) → ms UTC. Nothing else: `Date.parse` would take `2020/01/01` or `March 5 2020` in the
 * machine's local zone and `1` as the year 2001, so a backtest would quietly start on another bar.
 */
export function parseDateFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ts = utcDateOrTime(value);
  if (ts === undefined) {
    throw new Error(`--${flag}: "${value}" is not a date (expected YYYY-MM-DD, UTC, or an ISO time with its zone, e.g. 2024-01-30T16:00:00Z)`);
  }
  return ts;
}

const DATE_OR_TIME =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})(?:T(?<hour>\d{2}):(?<minute>\d{2})(?::(?<second>\d{2})(?:\.(?<fraction>\d{1,3}))?)?(?<zone>Z|[+-]\d{2}:\d{2}))?$/;

function utcDateOrTime(value: string): number | undefined {
  const g = DATE_OR_TIME.exec(value)?.groups;
  if (g === undefined) return undefined;
  const [year, month, day, hour, minute, second] = [g.year, g.month, g.day, g.hour, g.minute, g.second].map((n) => Number(n ?? 0)) as [
    number, number, number, number, number, number,
  ];
  const ts = Date.UTC(year, month - 1, day, hour, minute, second, Number((g.fraction ?? '0').padEnd(3, '0')));
  const back = new Date(ts);
  // Date.UTC rolls 2024-02-30 over to March 1st and 24:00 to the next day: a field out of range is a typo.
  const exact = back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day
    && back.getUTCHours() === hour && back.getUTCMinutes() === minute && back.getUTCSeconds() === second;
  if (!exact) return undefined;
  if (g.zone === undefined || g.zone === 'Z') return ts;
  const offsetHours = Number(g.zone.slice(1, 3));
  const offsetMinutes = Number(g.zone.slice(4, 6));
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  return ts - (g.zone[0] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
}

export function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new Error(`--${flag} is required (see --help)`);
  return value;
}

/** A finite number > 0 (`Infinity`, `1e400`, `-5`, `abc` and `0` are refused). */
export function parsePositiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`--${flag} must be a finite positive number, got "${value}"`);
  return number;
}

/** A comma-separated list of names: every entry non-empty, none repeated. */
export function parseNameList(flag: string, value: string | undefined): string[] {
  const names = required(flag, value).split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new Error(`--${flag}: empty name in "${value}" (expected e.g. BTC/USD,ORCL)`);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new Error(`--${flag}: "${repeated}" is listed twice`);
  return names;
}

/** The stored spelling of a timeframe (`1Hour` → `1h`), or an error naming the option. */
export function parseTimeframeFlag(flag: string, value: string | undefined): string {
  const raw = required(flag, value);
  try {
    return canonicalTimeframe(raw);
  } catch (err) {
    throw new Error(`--${flag}: ${(err as Error).message}`);
  }
}

/**
 * A folder a command will create and write into (`--out DIR`), checked without creating it, so a file in its
 * place or a folder this user may not write is one line naming the option, before anything runs.
 */
export function outputFolderFlag(flag: string, path: string): string {
  const target = resolve(path);
  for (let probe = target; ; probe = dirname(probe)) {
    let stat;
    try {
      stat = statSync(probe, { throwIfNoEntry: false });
    } catch (err) {
      // ENOTDIR: a file stands further up; the loop reaches it and names it.
      if ((err as { code?: string }).code !== 'ENOTDIR') throw new Error(`--${flag} ${path}: ${(err as Error).message}`);
    }
    if (stat !== undefined) {
      const where = probe === target ? '' : `${probe} `;
      if (!stat.isDirectory()) throw new Error(`--${flag} ${path}: ${where}is a file, not a folder`);
      try {
        accessSync(probe, fsConstants.W_OK);
      } catch {
        throw new Error(`--${flag} ${path}: ${probe === target ? '' : 'cannot be created: '}this user may not write in ${probe}`);
      }
      return path;
    }
    if (dirname(probe) === probe) return path;
  }
}

/** Where the real candle files live: $QS_DATA_DIR or ../shared/data beside the checkout (an empty QS_DATA_DIR is unset). */
export function dataDir(): string {
  return process.env.QS_DATA_DIR || '../shared/data';
}
