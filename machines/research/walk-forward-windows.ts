// Walk-forward windows: `train=3y,test=1y,step=1y` → consecutive (train, test) ranges over the data, each test
// window right after its training window, all ending inside the data, the test windows never overlapping (their
// equity is chained into one curve). Calendar arithmetic in UTC, every window counted from the first bar.

export interface WalkForwardSpec {
  train: Span;
  test: Span;
  step: Span;
}

export interface Span {
  count: number;
  unit: 'd' | 'w' | 'm' | 'y';
}

export interface WalkForwardWindow {
  index: number;
  /** Inclusive start, exclusive end (ms UTC), compared with a bar's open time. */
  trainFrom: number;
  trainTo: number;
  testFrom: number;
  testTo: number;
}

const UNITS: Record<string, Span['unit']> = { d: 'd', w: 'w', m: 'm', y: 'y' };

export function parseWalkForward(spec: string): WalkForwardSpec {
  const fields = new Map<string, Span>();
  for (const part of spec.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const match = /^(train|test|step)=(\d+)([dwmy])$/.exec(part);
    if (match === null) throw new Error(`--walk-forward: "${part}" is not train=N<d|w|m|y>, test=N<unit> or step=N<unit>`);
    if (Number(match[2]) <= 0) throw new Error(`--walk-forward: ${match[1]} must be longer than 0, got ${match[2]}${match[3]}`);
    if (fields.has(match[1]!)) throw new Error(`--walk-forward: ${match[1]} is given twice in "${spec}"`);
    fields.set(match[1]!, { count: Number(match[2]), unit: UNITS[match[3]!]! });
  }
  const train = fields.get('train');
  const test = fields.get('test');
  if (train === undefined || test === undefined) throw new Error(`--walk-forward: needs train= and test=, got "${spec}"`);
  const step = fields.get('step') ?? test;
  // Test windows that overlap cannot be chained into one out-of-sample curve (and would count days twice).
  if (mayBeShorter(step, test)) {
    throw new Error(`--walk-forward: step ${formatSpan(step)} is shorter than test ${formatSpan(test)}: the test windows would overlap; use a step of at least the test length`);
  }
  return { train, test, step };
}

/**
 * Whether `a` can be shorter than `b` somewhere in the calendar: months against years and days against weeks
 * compare exactly; months against days only by bounds (a month is 28 to 31 days, a year 365 or 366).
 */
function mayBeShorter(a: Span, b: Span): boolean {
  const offsetA = offsetOf([a, 1]);
  const offsetB = offsetOf([b, 1]);
  if (offsetA.days === 0 && offsetB.days === 0) return offsetA.months < offsetB.months;
  if (offsetA.months === 0 && offsetB.months === 0) return offsetA.days < offsetB.days;
  return offsetA.months * 28 + offsetA.days < offsetB.months * 31 + offsetB.days;
}

/** A calendar offset: whole months (a year is 12), then days (a week is 7). */
interface Offset {
  months: number;
  days: number;
}

function offsetOf(...terms: [Span, number][]): Offset {
  const offset = { months: 0, days: 0 };
  for (const [span, times] of terms) {
    if (span.unit === 'y' || span.unit === 'm') offset.months += span.count * times * (span.unit === 'y' ? 12 : 1);
    else offset.days += span.count * times * (span.unit === 'w' ? 7 : 1);
  }
  return offset;
}

/**
 * `ts` moved by whole months, then days, in UTC. A day of the month the target month lacks becomes its last day
 * (31 January + 1 month = 28 or 29 February), rather than spilling into the next month.
 */
function addOffset(ts: number, offset: Offset): number {
  const d = new Date(ts);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + offset.months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const timeOfDay = ts - Date.UTC(year, d.getUTCMonth(), d.getUTCDate());
  return Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay)) + timeOfDay + offset.days * 86_400_000;
}

export function addSpan(ts: number, span: Span): number {
  return addOffset(ts, offsetOf([span, 1]));
}

export function formatSpan(span: Span): string {
  return `${span.count}${span.unit}`;
}

/**
 * The windows for data whose first bar opens at `firstTs` and whose range ends (exclusive) at `endTs`. Window k
 * trains from firstTs + k·step and tests from firstTs + train + k·step, each counted from firstTs (never from the
 * previous window, so month ends do not drift); its test ends at firstTs + train + k·step + test, or where the next
 * test starts if that is sooner: with step = test the test windows chain exactly, with a longer step they leave gaps.
 * Throws when not even one training window plus its test window fits.
 */
export function walkForwardWindows(spec: WalkForwardSpec, firstTs: number, endTs: number): WalkForwardWindow[] {
  const windows: WalkForwardWindow[] = [];
  for (let k = 0; ; k++) {
    const testFrom = addOffset(firstTs, offsetOf([spec.train, 1], [spec.step, k]));
    const nextTestFrom = addOffset(firstTs, offsetOf([spec.train, 1], [spec.step, k + 1]));
    const testTo = Math.min(addOffset(firstTs, offsetOf([spec.train, 1], [spec.step, k], [spec.test, 1])), nextTestFrom);
    if (testTo > endTs) break;
    windows.push({ index: k, trainFrom: addOffset(firstTs, offsetOf([spec.step, k])), trainTo: testFrom, testFrom, testTo });
  }
  if (windows.length === 0) {
    const days = ((endTs - firstTs) / 86_400_000).toFixed(0);
    throw new Error(
      `--walk-forward: train ${formatSpan(spec.train)} + test ${formatSpan(spec.test)} is longer than the data ` +
        `(${isoDay(firstTs)} → ${isoDay(endTs - 1)}, ${days} days)`,
    );
  }
  return windows;
}

function isoDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}
