// Shared plumbing for the `bun run <command>` entry files: argument errors, one-line failures, dates.
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

/** `YYYY-MM-DD` (UTC midnight) or a full ISO timestamp → ms UTC. */
export function parseDateFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ts = Date.parse(dateOnly ? `${value}T00:00:00Z` : value);
  // Date.parse rolls 2024-02-30 over to March 1st; a date that does not exist is a typo, not a request.
  if (!Number.isFinite(ts) || (dateOnly && new Date(ts).toISOString().slice(0, 10) !== value)) {
    throw new Error(`--${flag}: "${value}" is not a date (expected YYYY-MM-DD)`);
  }
  return ts;
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

/** Where the real candle files live: $QS_DATA_DIR or ../shared/data beside the checkout. */
export function dataDir(): string {
  return process.env.QS_DATA_DIR ?? '../shared/data';
}
