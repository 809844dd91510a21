// Shared by the indicator tests: the real BTC series and a tolerance check against naive recomputation.
import { resolve } from 'node:path';
import { expect } from 'bun:test';

const repoRoot = resolve(import.meta.dir, '../../..');
const dataDir = resolve(repoRoot, process.env.QS_DATA_DIR || '../shared/data');

/** Daily BTC/USD closes 2011–2025 (close is the 3rd column of this file). */
export async function loadBtcCloses(): Promise<number[]> {
  const path = resolve(dataDir, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv');
  const lines = (await Bun.file(path).text()).trim().split('\n');
  const header = lines[0]!.split(',');
  if (header[2] !== 'close') throw new Error(`${path}: expected "close" as 3rd column, got ${header.join(',')}`);
  return lines.slice(1).map((line, i) => {
    const close = Number(line.split(',')[2]);
    if (!Number.isFinite(close)) throw new Error(`${path} line ${i + 2}: close is not a number`);
    return close;
  });
}

export const RELATIVE_TOLERANCE = 1e-9;

/**
 * |actual − expected| ≤ 1e-9 × max(|expected|, floor). The floor is the quantity's natural scale for values
 * that cross zero (z-score, %B: 1), where a pure relative error is meaningless; 0 means purely relative.
 */
export function expectRelativelyClose(actual: number | undefined, expected: number, label: string, floor = 0): void {
  if (actual === undefined) throw new Error(`${label}: expected ${expected}, got undefined`);
  const allowed = RELATIVE_TOLERANCE * Math.max(Math.abs(expected), floor);
  const error = Math.abs(actual - expected);
  if (!(error <= allowed)) {
    // Route through expect so the failure shows both numbers and the label.
    expect({ label, actual }).toEqual({ label, actual: expected });
  }
}

export function windowAt(series: readonly number[], end: number, period: number): number[] {
  return series.slice(end + 1 - period, end + 1);
}

export function naiveMean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

export function naiveSampleStd(values: readonly number[]): number {
  const mean = naiveMean(values);
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}
