// Walk-forward windows: `train=3y,test=1y,step=1y` → consecutive (train, test) ranges over the data, each test
// window right after its training window, all ending inside the data. Calendar arithmetic in UTC.

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
    fields.set(match[1]!, { count: Number(match[2]), unit: UNITS[match[3]!]! });
  }
  const train = fields.get('train');
  const test = fields.get('test');
  if (train === undefined || test === undefined) throw new Error(`--walk-forward: needs train= and test=, got "${spec}"`);
  return { train, test, step: fields.get('step') ?? test };
}

export function addSpan(ts: number, span: Span): number {
  const d = new Date(ts);
  switch (span.unit) {
    case 'd':
      return ts + span.count * 86_400_000;
    case 'w':
      return ts + span.count * 7 * 86_400_000;
    case 'm':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + span.count, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
    case 'y':
      return Date.UTC(d.getUTCFullYear() + span.count, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
  }
}

export function formatSpan(span: Span): string {
  return `${span.count}${span.unit}`;
}

/**
 * The windows for data whose first bar opens at `firstTs` and whose range ends (exclusive) at `endTs`.
 * Throws when not even one training window plus its test window fits.
 */
export function walkForwardWindows(spec: WalkForwardSpec, firstTs: number, endTs: number): WalkForwardWindow[] {
  const windows: WalkForwardWindow[] = [];
  for (let start = firstTs; ; start = addSpan(start, spec.step)) {
    const trainTo = addSpan(start, spec.train);
    const testTo = addSpan(trainTo, spec.test);
    if (testTo > endTs) break;
    windows.push({ index: windows.length, trainFrom: start, trainTo, testFrom: trainTo, testTo });
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
