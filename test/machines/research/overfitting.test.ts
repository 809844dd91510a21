import { describe, expect, test } from 'bun:test';
import {
  blockTotals,
  deflatedSharpe,
  expectedMaxSharpe,
  meanOfTotals,
  normalCdf,
  normalQuantile,
  probabilisticSharpe,
  pairLogits,
  placePairLogits,
  probabilityOfOverfitting,
  sharpeOfTotals,
  splitLogits,
  splitPairs,
  type BlockTotals,
} from '../../../machines/research/overfitting.ts';

describe('normal distribution', () => {
  test('matches table values of Φ and Φ⁻¹', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 6);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326347874, 6);
    expect(normalQuantile(0.75)).toBeCloseTo(0.674489750, 6);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326347874, 6);
  });
});

describe('deflated Sharpe ratio (Bailey & López de Prado 2014)', () => {
  test("reproduces the paper's numerical example", () => {
    // The paper: N = 100 trials, V[SR] = 0.5 annualised, best SR = 2.5 annualised, T = 1250 daily returns,
    // skewness −3, kurtosis 10; 250 periods a year.
    // Per period: V = 0.5 / 250 = 0.002, √V = 0.0447214; SR = 2.5 / √250 = 0.1581139.
    // Φ⁻¹(1 − 1/100) = 2.3263479, Φ⁻¹(1 − 1/(100e)) = Φ⁻¹(0.9963212) = 2.6802104.
    // SR₀ = 0.0447214 × ((1 − 0.5772157) × 2.3263479 + 0.5772157 × 2.6802104) = 0.0447214 × 2.5306674 = 0.1131720.
    // z = (0.1581139 − 0.1131720) × √1249 / √(1 + 3 × 0.1581139 + (10 − 1)/4 × 0.1581139²)
    //   = 0.0449419 × 35.341194 / √1.5305917 = 1.588304 / 1.2371709 = 1.2838160; DSR = Φ(1.2838160) = 0.9004.
    const sr0 = expectedMaxSharpe(0.5 / 250, 100);
    expect(sr0).toBeCloseTo(0.113172, 5);
    expect(probabilisticSharpe(2.5 / Math.sqrt(250), sr0, 1250, -3, 10)).toBeCloseTo(0.9004, 4);
  });

  test('deflates the best of four trials computed from raw returns', () => {
    // Best returns r = 0.01, −0.02, 0.03, 0.02, −0.01, 0.04 (T = 6): mean = 0.07/6 = 0.0116667;
    // deviations d = −0.0016667, −0.0316667, 0.0183333, 0.0083333, −0.0216667, 0.0283333; Σd² = 0.0026833, sample std = √(0.0026833/5) = 0.0231661; SR = 0.5036102.
    // Population moments: m2 = 0.0026833/6 = 0.00044722, m3 = Σd³/6 = −2.0741e-6, m4 = Σd⁴/6 = 3.3136e-7;
    //   skew = m3 / m2^1.5 = −0.2193003, kurtosis = m4 / m2² = 1.6567648.
    // Trial Sharpes 0.1, 0.3, 0.5, 0.5036102: sample variance V = 0.0370309.
    // Φ⁻¹(1 − 1/4) = 0.6744898, Φ⁻¹(1 − 1/(4e)) = Φ⁻¹(0.9080301) = 1.3287219;
    // SR₀ = √0.0370309 × (0.4227843 × 0.6744898 + 0.5772157 × 1.3287219) = 0.1924342 × 1.0521203 = 0.2024645.
    // z = (0.5036102 − 0.2024645) × √5 / √(1 + 0.2193003 × 0.5036102 + 0.6567648/4 × 0.5036102²)
    //   = 0.3011457 × 2.2360680 / √1.1520857 = 0.6733875 / 1.0733526 = 0.6273638; DSR = Φ(0.6273638) = 0.73479.
    const returns = [0.01, -0.02, 0.03, 0.02, -0.01, 0.04];
    const best = 0.07 / 6 / Math.sqrt(0.0026833333333333 / 5);
    const result = deflatedSharpe(returns, [0.1, 0.3, 0.5, best]);
    expect(result.sharpe).toBeCloseTo(0.5036102, 6);
    expect(result.skew).toBeCloseTo(-0.2193003, 6);
    expect(result.kurtosis).toBeCloseTo(1.6567648, 6);
    expect(result.trialVariance).toBeCloseTo(0.0370309, 6);
    expect(result.expectedMaxSharpe).toBeCloseTo(0.2024645, 6);
    expect(result.deflatedSharpe).toBeCloseTo(0.73479, 4);
  });

  test('more trials raise the bar the best must clear', () => {
    expect(expectedMaxSharpe(0.01, 1000)).toBeGreaterThan(expectedMaxSharpe(0.01, 10));
  });
});

describe('probability of backtest overfitting by CSCV (Bailey, Borwein, López de Prado & Zhu 2015)', () => {
  test('counts the splits whose in-sample best falls to or below the out-of-sample median', () => {
    // N = 3 combinations (columns A, B, C), T = 4 periods, S = 4 blocks of one period; performance = mean.
    //        A    B    C
    //   t1   1   −2   −2
    //   t2   4    4   −2
    //   t3   2   −2    3
    //   t4  −1   −3    1
    // C(4, 2) = 6 splits; n* = in-sample best; rank of n* out-of-sample (1 = worst), ω = rank / 4, λ = ln(ω/(1−ω)):
    //   J={1,2}: IS (2.5, 1, −2) → A; OOS {3,4} (0.5, −2.5, 2) → rank 2, ω 0.5,  λ = 0
    //   J={1,3}: IS (1.5, −2, 0.5) → A; OOS {2,4} (1.5, 0.5, −0.5) → rank 3, ω 0.75, λ = ln 3
    //   J={1,4}: IS (0, −2.5, −0.5) → A; OOS {2,3} (3, 1, 0.5) → rank 3, λ = ln 3
    //   J={2,3}: IS (3, 1, 0.5) → A; OOS {1,4} (0, −2.5, −0.5) → rank 3, λ = ln 3
    //   J={2,4}: IS (1.5, 0.5, −0.5) → A; OOS {1,3} (1.5, −2, 0.5) → rank 3, λ = ln 3
    //   J={3,4}: IS (0.5, −2.5, 2) → C; OOS {1,2} (2.5, 1, −2) → rank 1, ω 0.25, λ = −ln 3
    // PBO = #{λ ≤ 0} / 6 = 2/6 = 1/3.
    const a = [1, 4, 2, -1];
    const b = [-2, 4, -2, -3];
    const c = [-2, -2, 3, 1];
    const result = probabilityOfOverfitting([a, b, c], 4, meanOfTotals);
    expect(result.splits).toBe(6);
    expect(result.pbo).toBeCloseTo(1 / 3, 12);
    expect(result.logits.map((l) => Number(l.toFixed(6)))).toEqual([0, 1.098612, 1.098612, 1.098612, 1.098612, -1.098612]);
  });

  test('a combination that is best in every period is never overfit', () => {
    const strong = Array.from({ length: 32 }, (_, i) => 0.02 + 0.001 * (i % 3));
    const weak = Array.from({ length: 32 }, (_, i) => 0.001 * (i % 5) - 0.002);
    const noise = Array.from({ length: 32 }, (_, i) => (i % 2 === 0 ? 0.01 : -0.01));
    expect(probabilityOfOverfitting([weak, strong, noise], 8).pbo).toBe(0);
  });

  test('scored in complementary pairs, every λ is the same double as scoring each split on its own', () => {
    // 42 combinations: noise, exact copies (ties in and out of sample), flat curves (Sharpe 0), and a strong
    // curve whose twin matches it on the first half only (tied in-sample on that split, apart out of sample).
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.04;
    const noise = Array.from({ length: 30 }, () => Array.from({ length: 211 }, random));
    const strong = noise[0]!.map((r) => r + 0.05);
    const twin = strong.map((r, i) => (i < 107 ? r : -r));
    const returns = [strong, ...noise, ...noise.slice(0, 6), ...Array.from({ length: 4 }, () => Array<number>(211).fill(0)), twin];
    for (const blocks of [2, 4, 8, 16]) {
      const totals = blockTotals(returns, blocks);
      const expected = logitsSplitBySplit(totals);
      expect(Array.from(splitLogits(totals))).toEqual(expected);
      // Ranges of pairs scored apart (as on the sweep's threads) and put back in split order.
      const pairs = splitPairs(blocks);
      const placed = new Float64Array(2 * pairs);
      for (let first = 0; first < pairs; first += 3) placePairLogits(placed, first, pairLogits(totals, first, Math.min(pairs, first + 3)));
      expect(Array.from(placed)).toEqual(expected);
    }
  });

  test('refuses an odd number of blocks', () => {
    expect(() => probabilityOfOverfitting([[1, 2], [3, 4]], 3)).toThrow('even number of blocks');
  });
});

/** CSCV as the paper states it: each split's training and test sets scored on their own, blocks summed in ascending order. */
function logitsSplitBySplit(totals: BlockTotals): number[] {
  const { combinations: n, blocks, rowsPerBlock, sums, squares } = totals;
  const half = blocks / 2;
  const score = (set: number[], c: number) => {
    let sum = 0;
    let sumSq = 0;
    for (const b of set) {
      sum += sums[c * blocks + b]!;
      sumSq += squares[c * blocks + b]!;
    }
    return sharpeOfTotals(sum, sumSq, half * rowsPerBlock);
  };
  const sets: number[][] = [];
  const grow = (set: number[], next: number) => {
    if (set.length === half) return void sets.push(set);
    for (let b = next; b < blocks; b++) grow([...set, b], b + 1);
  };
  grow([], 0);
  return sets.map((train) => {
    const test = Array.from({ length: blocks }, (_, b) => b).filter((b) => !train.includes(b));
    const inSample = Array.from({ length: n }, (_, c) => score(train, c));
    const best = inSample.indexOf(Math.max(...inSample));
    const outOfSample = Array.from({ length: n }, (_, c) => score(test, c));
    const below = outOfSample.filter((x) => x < outOfSample[best]!).length;
    const equal = outOfSample.filter((x) => x === outOfSample[best]!).length;
    const omega = (below + (equal + 1) / 2) / (n + 1);
    return Math.log(omega / (1 - omega));
  });
}
