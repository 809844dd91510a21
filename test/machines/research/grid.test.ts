import { describe, expect, test } from 'bun:test';
import { expandGrid, parseGrid, parseParamFlags, parseParamValue } from '../../../machines/research/grid.ts';
import { parseWalkForward, walkForwardWindows } from '../../../machines/research/walk-forward-windows.ts';

describe('parameter grid', () => {
  test('expands inclusive ranges without losing the last value to rounding', () => {
    const axes = parseGrid('lookback=10:60:5,entry_z=1.5:3:0.25');
    expect(axes[0]!.values).toEqual([10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    expect(axes[1]!.values).toEqual([1.5, 1.75, 2, 2.25, 2.5, 2.75, 3]);
    const combos = expandGrid(axes);
    expect(combos).toHaveLength(77);
    expect(combos[0]).toEqual({ lookback: 10, entry_z: 1.5 });
    expect(combos[1]).toEqual({ lookback: 10, entry_z: 1.75 });
  });

  test('takes lists of words and numbers', () => {
    expect(parseGrid('window=previous|including_current,exit_z=0|0.5')).toEqual([
      { name: 'window', values: ['previous', 'including_current'] },
      { name: 'exit_z', values: [0, 0.5] },
    ]);
  });

  test.each([
    ['', '--grid is empty'],
    [' , ', '--grid is empty'],
    ['lookback', '"lookback" is not name=start:stop:step'],
    ['lookback=10:5:1', 'stops before it starts'],
    ['lookback=10:60:0', 'needs a positive step, got 0'],
    ['lookback=10:x:5', 'is not start:stop:step with three numbers'],
    ['lookback=1|2,lookback=3', 'parameter lookback is given twice'],
    ['entry_z=2|2.5|2', 'entry_z=2|2.5|2 lists 2 twice'],
    ['entry_z=2|2.0', 'entry_z=2|2.0 lists 2 twice'],
    ['window=previous|previous', 'lists previous twice'],
    ['entry_z=2:2.0000000000001:0.00000000000001', 'entry_z=2:2.0000000000001:0.00000000000001 gives 2 more than once (values are rounded to 12 significant digits): use a larger step'],
    ['lookback=0x10:0x20:1', 'lookback=0x10:0x20:1 is not start:stop:step with three numbers'],
    ['take_profit_pct=null|null', 'lists null twice'],
  ])('refuses %p in one line', (spec, message) => {
    expect(() => parseGrid(spec)).toThrow(message);
  });
});

describe('parameter values', () => {
  test('only decimal numbers are numbers: hex, binary and Infinity stay text for the schema to refuse', () => {
    expect(['20', '-1.5', '.25', '1e3', '2.'].map(parseParamValue)).toEqual([20, -1.5, 0.25, 1000, 2]);
    expect(['0x14', '0b101', '0o7', 'Infinity', '1e400', 'previous'].map(parseParamValue)).toEqual(['0x14', '0b101', '0o7', 'Infinity', '1e400', 'previous']);
    expect(parseGrid('lookback=0x14')).toEqual([{ name: 'lookback', values: ['0x14'] }]);
    expect(parseParamFlags(['lookback=0x14', 'entry_z=2.5'])).toEqual({ lookback: '0x14', entry_z: 2.5 });
  });

  test('null in a list stands for YAML\'s null, as --param takes it', () => {
    expect(parseGrid('take_profit_pct=null|0.1')).toEqual([{ name: 'take_profit_pct', values: [null, 0.1] }]);
    expect(parseParamFlags(['take_profit_pct=null'])).toEqual({ take_profit_pct: null });
  });
});

describe('walk-forward windows', () => {
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

  test('three years of training, one of testing, stepping a year over 2016–2024 gives six windows', () => {
    const windows = walkForwardWindows(parseWalkForward('train=3y,test=1y,step=1y'), day('2016-01-01'), day('2025-01-01'));
    expect(windows).toHaveLength(6);
    expect(windows[0]).toEqual({ index: 0, trainFrom: day('2016-01-01'), trainTo: day('2019-01-01'), testFrom: day('2019-01-01'), testTo: day('2020-01-01') });
    expect(windows[5]!.testTo).toBe(day('2025-01-01'));
  });

  test('step defaults to the test length', () => {
    expect(parseWalkForward('train=6m,test=2m').step).toEqual({ count: 2, unit: 'm' });
  });

  test('refuses windows longer than the data', () => {
    expect(() => walkForwardWindows(parseWalkForward('train=3y,test=1y'), day('2016-01-01'), day('2018-01-01'))).toThrow(
      '--walk-forward: train 3y + test 1y is longer than the data (2016-01-01 → 2017-12-31, 731 days)',
    );
  });

  test('a month-end start: each test window starts exactly where the previous one ended, months counted from the start', () => {
    // 31 December + 2 months used to spill into 2 March, and the windows after it drifted: tests 2 March → 2 April,
    // then 31 March → 1 May overlapped.
    const windows = walkForwardWindows(parseWalkForward('train=2m,test=1m'), day('2015-12-31'), day('2017-01-01'));
    const iso = (ts: number) => new Date(ts).toISOString().slice(0, 10);
    expect(windows.map((w) => `${iso(w.testFrom)} → ${iso(w.testTo)}`)).toEqual([
      '2016-02-29 → 2016-03-31',
      '2016-03-31 → 2016-04-30',
      '2016-04-30 → 2016-05-31',
      '2016-05-31 → 2016-06-30',
      '2016-06-30 → 2016-07-31',
      '2016-07-31 → 2016-08-31',
      '2016-08-31 → 2016-09-30',
      '2016-09-30 → 2016-10-31',
      '2016-10-31 → 2016-11-30',
      '2016-11-30 → 2016-12-31',
    ]);
    expect(windows.map((w) => iso(w.trainFrom))).toEqual(['2015-12-31', '2016-01-31', '2016-02-29', '2016-03-31', '2016-04-30', '2016-05-31', '2016-06-30', '2016-07-31', '2016-08-31', '2016-09-30']);
    for (const w of windows) expect(w.trainTo).toBe(w.testFrom);
  });

  test('test windows never overlap, and with step = test they chain exactly, for any start and spec', () => {
    const specs = ['train=2m,test=1m', 'train=1y,test=1m', 'train=3m,test=2m,step=3m', 'train=30d,test=1w', 'train=1y,test=6m,step=1y', 'train=10w,test=1m,step=5w', 'train=1y,test=4w,step=1m', 'train=2y,test=1y'];
    const starts = ['2015-12-31', '2016-01-30', '2016-02-29', '2019-03-31', '2020-08-31', '2021-05-15'].map((d) => Date.parse(`${d}T00:00:00Z`));
    for (const text of specs) {
      const spec = parseWalkForward(text);
      const sameLength = spec.step.count === spec.test.count && spec.step.unit === spec.test.unit;
      for (const start of starts) {
        const windows = walkForwardWindows(spec, start, start + 6 * 366 * 86_400_000);
        expect(windows.length).toBeGreaterThan(1);
        for (const [k, w] of windows.entries()) {
          expect(w.trainFrom).toBeLessThan(w.trainTo);
          expect(w.testFrom).toBeLessThan(w.testTo);
          const next = windows[k + 1];
          if (next === undefined) continue;
          expect(w.testTo).toBeLessThanOrEqual(next.testFrom);
          if (sameLength) expect(w.testTo).toBe(next.testFrom);
        }
      }
    }
  });

  test.each([
    ['train=1y,test=1y,step=6m', '--walk-forward: step 6m is shorter than test 1y: the test windows would overlap'],
    ['train=1y,test=30d,step=1m', '--walk-forward: step 1m is shorter than test 30d'],
    ['train=6m,test=3m,step=3m,train=1m', '--walk-forward: train is given twice in "train=6m,test=3m,step=3m,train=1m"'],
    ['train=6m,test=3m,test=3m', '--walk-forward: test is given twice'],
  ])('refuses %p in one line', (spec, message) => {
    expect(() => parseWalkForward(spec)).toThrow(message);
  });

  test('refuses a malformed spec', () => {
    expect(() => parseWalkForward('train=3years,test=1y')).toThrow('"train=3years" is not');
    expect(() => parseWalkForward('train=3y')).toThrow('needs train= and test=');
  });
});
