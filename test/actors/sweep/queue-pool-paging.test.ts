// The coordinator's search for its own failed job among a shared queue's failed jobs, page by page.
import { describe, expect, test } from 'bun:test';
import { firstInPages } from '../../../actors/sweep/queue-pool.ts';

/** A failed list, newest first: `others` jobs of other sweeps, then ours. */
function failedList(others: number): string[] {
  return [...Array.from({ length: others }, (_, i) => `other-${i}`), 'ours'];
}

function reader(list: string[], reads: [number, number][]) {
  return async (start: number, end: number) => {
    reads.push([start, end]);
    return list.slice(start, end + 1);
  };
}

describe('firstInPages', () => {
  test('finds our failed job behind 250 newer failures of other sweeps when told to read every page', async () => {
    const reads: [number, number][] = [];
    expect(await firstInPages(reader(failedList(250), reads), (id) => id === 'ours', Number.POSITIVE_INFINITY)).toBe('ours');
    expect(reads).toEqual([[0, 199], [200, 399]]);
  });

  test('one page reads only the newest 200: ours, behind them, is not seen (the coordinator reads all when idle)', async () => {
    const reads: [number, number][] = [];
    expect(await firstInPages(reader(failedList(250), reads), (id) => id === 'ours', 1)).toBeUndefined();
    expect(reads).toEqual([[0, 199]]);
  });

  test('stops at the first short page, and at the first match', async () => {
    const reads: [number, number][] = [];
    expect(await firstInPages(reader(['a', 'b'], reads), (id) => id === 'ours', Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(await firstInPages(reader(failedList(3), reads), (id) => id === 'ours', Number.POSITIVE_INFINITY)).toBe('ours');
    expect(reads).toEqual([[0, 199], [0, 199]]);
  });
});
