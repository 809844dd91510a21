// Shared plumbing for the `bun run <command>` entry files: argument errors, one-line failures, dates.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Runs a command's main; any error becomes one line on stderr and exit code 1 (no stack trace). */
export async function runMain(main: () => Promise<void> | void): Promise<void> {
  try {
    await main();
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(options: T, usage: string) {
  let parsed;
  try {
    parsed = parseArgs({ args: Bun.argv.slice(2), options: { ...options, help: { type: 'boolean' } }, strict: true });
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
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const ts = Date.parse(iso);
  if (!Number.isFinite(ts)) throw new Error(`--${flag}: "${value}" is not a date (expected YYYY-MM-DD)`);
  return ts;
}

export function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new Error(`--${flag} is required (see --help)`);
  return value;
}

/** Where the real candle files live: $QS_DATA_DIR or ../shared/data beside the checkout. */
export function dataDir(): string {
  return process.env.QS_DATA_DIR ?? '../shared/data';
}
