// A parameter grid as the sweep command takes it: `lookback=10:60:5,entry_z=1.5:3:0.25,window=previous|including_current`.
// `start:stop:step` is inclusive of stop (within float tolerance); `a|b|c` lists values (decimal numbers, words, or
// `null` for YAML's null, as `--param` takes them).
// Pure: the strategy's own schema checks the values (actors/sweep/validate-grid.ts).

/** `null` stands for YAML's null (`take_profit_pct=null|0.1`), as with `--param`. */
export type ParamValue = number | string | null;

export interface GridAxis {
  name: string;
  values: ParamValue[];
}

export type Combination = Record<string, ParamValue>;

/** Parses `--grid`; throws one line naming the part that is wrong. */
export function parseGrid(spec: string): GridAxis[] {
  const parts = spec.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (parts.length === 0) throw new Error(`--grid is empty: give at least one parameter, e.g. "lookback=10:60:5"`);
  const axes: GridAxis[] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? '' : part.slice(0, eq).trim();
    const body = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!/^[a-z][a-z0-9_]*$/.test(name) || body === '') {
      throw new Error(`--grid: "${part}" is not name=start:stop:step or name=a|b|c`);
    }
    if (axes.some((axis) => axis.name === name)) throw new Error(`--grid: parameter ${name} is given twice`);
    axes.push({ name, values: body.includes(':') ? parseRange(name, body) : parseList(name, body) });
  }
  return axes;
}

function parseRange(name: string, body: string): number[] {
  const fields = body.split(':').map((field) => field.trim());
  const [start, stop, step] = fields.map(decimalOrNaN);
  if (fields.length !== 3 || ![start, stop, step].every((n) => Number.isFinite(n))) {
    throw new Error(`--grid: ${name}=${body} is not start:stop:step with three numbers`);
  }
  if (step! <= 0) throw new Error(`--grid: ${name}=${body} needs a positive step, got ${step}`);
  if (stop! < start!) throw new Error(`--grid: ${name}=${body} stops before it starts`);
  // A tolerance of a millionth of a step keeps 1.5:3:0.25 from losing its last value to rounding.
  const count = Math.floor((stop! - start!) / step! + 1e-6) + 1;
  if (count > 10_000) throw new Error(`--grid: ${name}=${body} has ${count} values (at most 10,000 per parameter)`);
  const values = Array.from({ length: count }, (_, i) => Number((start! + i * step!).toPrecision(12)));
  // A step below the rounding gives one value many times: the same backtest run again, counted as extra trials.
  const twice = values.find((v, i) => i > 0 && values[i - 1] === v);
  if (twice !== undefined) throw new Error(`--grid: ${name}=${body} gives ${twice} more than once (values are rounded to 12 significant digits): use a larger step`);
  return values;
}

function parseList(name: string, body: string): ParamValue[] {
  const values = body.split('|').map((v) => v.trim());
  if (values.some((v) => v === '')) throw new Error(`--grid: ${name}=${body} has an empty value`);
  const parsed = values.map((v) => (v === 'null' ? null : parseParamValue(v)));
  // A repeated value would run the same backtests twice and count them as extra trials in the deflated Sharpe.
  const twice = parsed.find((v, i) => parsed.indexOf(v) !== i);
  if (twice !== undefined) throw new Error(`--grid: ${name}=${body} lists ${twice} twice`);
  return parsed;
}

/** A decimal number as written in YAML or on a command line: `20`, `-1.5`, `.25`, `1e-3` (not `0x14`, `0b1`, `Infinity`). */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function decimalOrNaN(text: string): number {
  return DECIMAL.test(text) ? Number(text) : Number.NaN;
}

/** A number when the text is a finite decimal one, else the word as written (`previous`, `sample`, `0x14`). */
export function parseParamValue(text: string): number | string {
  const number = decimalOrNaN(text.trim());
  return Number.isFinite(number) ? number : text;
}

/** `--param lookback=30 --param entry_z=2.5` → { lookback: 30, entry_z: 2.5 }; `null` stands for YAML's null. */
export function parseParamFlags(flags: readonly string[]): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const flag of flags) {
    const match = /^([a-z][a-z0-9_]*)=(.+)$/.exec(flag.trim());
    if (match === null) throw new Error(`--param: "${flag}" is not key=value (e.g. --param lookback=30)`);
    if (match[1]! in params) throw new Error(`--param: ${match[1]} is given twice`);
    params[match[1]!] = match[2] === 'null' ? null : parseParamValue(match[2]!);
  }
  return params;
}

/** Every combination, the first axis varying slowest (a stable order: combination i is the same in every run). */
export function expandGrid(axes: GridAxis[]): Combination[] {
  let combos: Combination[] = [{}];
  for (const axis of axes) {
    combos = combos.flatMap((combo) => axis.values.map((value) => ({ ...combo, [axis.name]: value })));
  }
  return combos;
}

export function formatCombination(combo: Combination): string {
  return Object.entries(combo).map(([k, v]) => `${k}=${v}`).join(', ');
}
