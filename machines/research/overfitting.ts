// Overfitting measures for a parameter sweep, from the papers' formulas:
// - the deflated Sharpe ratio (Bailey & López de Prado, "The Deflated Sharpe Ratio", 2014): the probability
//   that the best combination's true Sharpe is above zero, after allowing for how many combinations were tried
//   and for non-normal returns;
// - the probability of backtest overfitting by combinatorially symmetric cross-validation (Bailey, Borwein,
//   López de Prado & Zhu, "The Probability of Backtest Overfitting", 2015): how often the combination that is
//   best in-sample ranks below the median out-of-sample.
// Sharpe ratios here are per period (not annualised), as in both papers' formulas.

/** Euler–Mascheroni constant. */
const EULER_GAMMA = 0.5772156649015329;

/** Standard normal CDF, through the complementary error function. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

// Numerical Recipes' erfc (Chebyshev fit), relative error < 1.2e-7 everywhere.
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
          t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Inverse standard normal CDF (Acklam's rational approximation, one Halley step against normalCdf). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

export interface Moments {
  count: number;
  mean: number;
  /** Sample standard deviation (divisor n − 1). */
  std: number;
  /** Skewness γ3 = E[(x − μ)³] / σ³ with population moments. */
  skew: number;
  /** Kurtosis γ4 = E[(x − μ)⁴] / σ⁴ with population moments (3 for a normal distribution, not excess). */
  kurtosis: number;
}

export function moments(values: readonly number[]): Moments {
  const n = values.length;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n || 1;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const v of values) {
    const d = v - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  const popVar = m2 / (n || 1);
  return {
    count: n,
    mean,
    std: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0,
    skew: popVar > 0 ? m3 / n / popVar ** 1.5 : 0,
    kurtosis: popVar > 0 ? m4 / n / popVar ** 2 : 3,
  };
}

/** Per-period Sharpe ratio mean / sample std (0 for a flat series). */
export function periodSharpe(returns: readonly number[]): number {
  const m = moments(returns);
  return m.std > 0 ? m.mean / m.std : 0;
}

/**
 * Expected maximum Sharpe ratio of N independent trials with true Sharpe 0 and variance `variance` across trials
 * (the paper's SR₀): √V · ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e))).
 */
export function expectedMaxSharpe(variance: number, trials: number): number {
  if (trials < 2) return 0;
  return Math.sqrt(variance) * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E)));
}

/**
 * Probabilistic Sharpe ratio: P(true SR > benchmark) =
 * Φ((SR − SR₀) √(T − 1) / √(1 − γ3 SR + (γ4 − 1)/4 SR²)).
 */
export function probabilisticSharpe(sharpe: number, benchmark: number, observations: number, skew: number, kurtosis: number): number {
  const spread = 1 - skew * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (observations < 2 || !(spread > 0)) return Number.NaN;
  return normalCdf(((sharpe - benchmark) * Math.sqrt(observations - 1)) / Math.sqrt(spread));
}

export interface DeflatedSharpe {
  /** The best combination's per-period Sharpe, its number of returns, skewness and kurtosis. */
  sharpe: number;
  observations: number;
  skew: number;
  kurtosis: number;
  trials: number;
  /** Variance of the per-period Sharpe across all trials. */
  trialVariance: number;
  /** SR₀: the Sharpe the best of `trials` would reach by luck alone. */
  expectedMaxSharpe: number;
  /** DSR: the probability that the best combination's true Sharpe beats SR₀. */
  deflatedSharpe: number;
}

/** The deflated Sharpe ratio of `bestReturns` among trials whose per-period Sharpes are `trialSharpes`. */
export function deflatedSharpe(bestReturns: readonly number[], trialSharpes: readonly number[]): DeflatedSharpe {
  const m = moments(bestReturns);
  const sharpe = m.std > 0 ? m.mean / m.std : 0;
  const trials = trialSharpes.length;
  const spread = moments(trialSharpes);
  const trialVariance = spread.std * spread.std;
  const sr0 = expectedMaxSharpe(trialVariance, trials);
  return {
    sharpe,
    observations: m.count,
    skew: m.skew,
    kurtosis: m.kurtosis,
    trials,
    trialVariance,
    expectedMaxSharpe: sr0,
    deflatedSharpe: probabilisticSharpe(sharpe, sr0, m.count, m.skew, m.kurtosis),
  };
}

export interface Pbo {
  /** Fraction of the splits whose in-sample best ranks at or below the out-of-sample median (logit ≤ 0). */
  pbo: number;
  /** One logit λ = ln(ω / (1 − ω)) per split, ω the out-of-sample relative rank of the in-sample best. */
  logits: number[];
  splits: number;
  blocks: number;
  /** Rows (periods) per block; leading rows beyond blocks × rowsPerBlock are left out. */
  rowsPerBlock: number;
}

/**
 * A performance statistic of a set of returns from its sum, sum of squares and count, so that each split is
 * scored from per-block totals (C(16, 8) = 12,870 splits × N combinations stays cheap).
 */
export type Performance = (sum: number, sumOfSquares: number, count: number) => number;

/** Per-period Sharpe (mean / sample std), 0 for a flat set: the papers' choice. */
export const sharpeOfTotals: Performance = (sum, sumOfSquares, count) => {
  if (count < 2) return 0;
  const mean = sum / count;
  const variance = (sumOfSquares - count * mean * mean) / (count - 1);
  return variance > 1e-24 ? mean / Math.sqrt(variance) : 0;
};

export const meanOfTotals: Performance = (sum, _sumOfSquares, count) => (count > 0 ? sum / count : 0);

/** Σ r and Σ r² of every combination over each block: all a split's scores are computed from. */
export interface BlockTotals {
  combinations: number;
  blocks: number;
  /** Rows (periods) per block; leading rows beyond blocks × rowsPerBlock are left out. */
  rowsPerBlock: number;
  /** sums[c × blocks + b], squares[c × blocks + b]: combination c over block b. */
  sums: Float64Array;
  squares: Float64Array;
}

/**
 * CSCV: `returns[n]` is combination n's per-period returns, all the same length T. The T rows are cut into
 * `blocks` (S, even) equal parts; every choice of S/2 parts is a training set J and the rest its test set J̄.
 * For each, n* = argmax of performance on J (first on ties), its rank among the N performances on J̄ (1 =
 * worst, ties get their mean rank), ω = rank / (N + 1), λ = ln(ω / (1 − ω)); PBO = #{λ ≤ 0} / #splits.
 */
export function probabilityOfOverfitting(
  returns: readonly (readonly number[])[],
  blocks = 16,
  performance: Performance = sharpeOfTotals,
): Pbo {
  const totals = blockTotals(returns, blocks);
  return pboOfLogits(totals, splitLogits(totals, performance));
}

/** The per-block totals of CSCV, checked: at least 2 combinations, an even number of blocks, equal lengths. */
export function blockTotals(returns: readonly (readonly number[])[], blocks = 16): BlockTotals {
  const n = returns.length;
  if (n < 2) throw new Error(`PBO needs at least 2 combinations, got ${n}`);
  const length = returns[0]!.length;
  if (returns.some((r) => r.length !== length)) throw new Error('PBO needs every combination to have the same number of returns');
  return joinBlockTotals(returns.map((r) => combinationBlockTotals(r, blocks)));
}

/** One combination's share of the block totals: computed where the combination ran, joined by the sweep. */
export interface CombinationBlockTotals {
  returns: number;
  blocks: number;
  sums: Float64Array;
  squares: Float64Array;
}

export function combinationBlockTotals(returns: readonly number[], blocks: number): CombinationBlockTotals {
  if (blocks < 2 || blocks % 2 !== 0) throw new Error(`PBO needs an even number of blocks ≥ 2, got ${blocks}`);
  const rowsPerBlock = Math.floor(returns.length / blocks);
  if (rowsPerBlock < 1) throw new Error(`PBO needs at least ${blocks} returns per combination, got ${returns.length}`);
  const offset = returns.length - rowsPerBlock * blocks;
  const sums = new Float64Array(blocks);
  const squares = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let sum = 0;
    let sumSq = 0;
    for (let i = offset + b * rowsPerBlock; i < offset + (b + 1) * rowsPerBlock; i++) {
      sum += returns[i]!;
      sumSq += returns[i]! * returns[i]!;
    }
    sums[b] = sum;
    squares[b] = sumSq;
  }
  return { returns: returns.length, blocks, sums, squares };
}

/** The blocks CSCV cuts T returns into: 16, or fewer (even) for a short series. */
export function pboBlocks(returns: number): number {
  return Math.min(16, 2 * Math.floor(returns / 2));
}

/** The combinations' totals side by side; every combination must have the same number of returns and blocks. */
export function joinBlockTotals(parts: readonly CombinationBlockTotals[]): BlockTotals {
  const n = parts.length;
  if (n < 2) throw new Error(`PBO needs at least 2 combinations, got ${n}`);
  const { returns, blocks } = parts[0]!;
  if (parts.some((p) => p.returns !== returns || p.blocks !== blocks)) throw new Error('PBO needs every combination to have the same number of returns');
  const sums = new Float64Array(n * blocks);
  const squares = new Float64Array(n * blocks);
  parts.forEach((p, c) => {
    sums.set(p.sums, c * blocks);
    squares.set(p.squares, c * blocks);
  });
  return { combinations: n, blocks, rowsPerBlock: Math.floor(returns / blocks), sums, squares };
}

/** C(blocks, blocks / 2): how many splits CSCV scores. */
export function splitCount(blocks: number): number {
  let count = 1;
  for (let k = 1; k <= blocks / 2; k++) count = (count * (blocks - k + 1)) / k;
  return count;
}

/**
 * Split p's test set is split (S − 1 − p)'s training set (in lexicographic order the complement of the p-th
 * subset is the p-th from the end), so splits are scored in complementary pairs: one score per combination per set
 * serves as the in-sample scores of one split and the out-of-sample scores of the other. C(S, S/2) is even.
 */
export function splitPairs(blocks: number): number {
  return splitCount(blocks) / 2;
}

/** λ of every split, in lexicographic order of the training sets (one pass on this thread). */
export function splitLogits(totals: BlockTotals, performance: Performance = sharpeOfTotals): Float64Array {
  const logits = new Float64Array(splitCount(totals.blocks));
  placePairLogits(logits, 0, pairLogits(totals, 0, splitPairs(totals.blocks), performance));
  return logits;
}

/**
 * λ of the split pairs [first, end): `[λ(p), λ(S − 1 − p)]` for each p in turn. Ranges scored apart (on several
 * threads) and placed with placePairLogits give exactly the logits of one pass: every score is the same double,
 * its set's blocks summed in ascending order from zero.
 */
export function pairLogits(totals: BlockTotals, first: number, end: number, performance: Performance = sharpeOfTotals): Float64Array {
  const { combinations: n, blocks, rowsPerBlock } = totals;
  const half = blocks / 2;
  const count = half * rowsPerBlock;
  const sums = blockMajor(totals.sums, n, blocks);
  const squares = blockMajor(totals.squares, n, blocks);
  const train = new PrefixTotals(n, half, sums, squares);
  const test = new PrefixTotals(n, half, sums, squares);
  const inSample = new Float64Array(n);
  const outOfSample = new Float64Array(n);
  const complement = new Int32Array(half);
  const out = new Float64Array(2 * Math.max(0, end - first));
  let p = 0;
  for (const set of choose(blocks, half)) {
    if (p >= end) break;
    if (p++ < first) continue;
    for (let b = 0, t = 0, k = 0; b < blocks; b++) {
      if (k < half && set[k] === b) k++;
      else complement[t++] = b;
    }
    train.moveTo(set);
    test.moveTo(complement);
    train.scores(inSample, performance, count);
    test.scores(outOfSample, performance, count);
    const at = 2 * (p - 1 - first);
    out[at] = logitOfSplit(inSample, outOfSample);
    out[at + 1] = logitOfSplit(outOfSample, inSample);
  }
  return out;
}

/** Puts pairLogits(totals, first, …)'s answer into `logits` (all S splits, in split order). */
export function placePairLogits(logits: Float64Array, first: number, pairs: Float64Array): void {
  const last = logits.length - 1;
  for (let i = 0; i < pairs.length / 2; i++) {
    logits[first + i] = pairs[2 * i]!;
    logits[last - first - i] = pairs[2 * i + 1]!;
  }
}

/** n* = argmax in-sample (first on ties); its rank out-of-sample, 1 = worst, ties at their mean rank; λ = logit(rank / (N + 1)). */
function logitOfSplit(inSample: Float64Array, outOfSample: Float64Array): number {
  const n = inSample.length;
  let best = 0;
  for (let c = 1; c < n; c++) if (inSample[c]! > inSample[best]!) best = c;
  const bestOos = outOfSample[best]!;
  let below = 0;
  let equal = 0;
  for (let c = 0; c < n; c++) {
    const oos = outOfSample[c]!;
    if (oos < bestOos) below++;
    else if (oos === bestOos) equal++;
  }
  const omega = (below + (equal + 1) / 2) / (n + 1);
  return Math.log(omega / (1 - omega));
}

/** `totals[c × blocks + b]` → `[b × n + c]`: one block's totals for every combination side by side. */
function blockMajor(totals: Float64Array, n: number, blocks: number): Float64Array {
  const out = new Float64Array(n * blocks);
  for (let c = 0; c < n; c++) for (let b = 0; b < blocks; b++) out[b * n + c] = totals[c * blocks + b]!;
  return out;
}

/**
 * Running sums over a set's blocks for every combination: row j holds the totals of the set's first j blocks
 * (row 0 is zero). Sets visited in lexicographic order share leading blocks, so moving to the next set
 * recomputes only the rows after the first block that changed — the same additions in the same order.
 */
class PrefixTotals {
  private readonly set: Int32Array;
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;

  constructor(
    private readonly n: number,
    private readonly half: number,
    private readonly sums: Float64Array,
    private readonly squares: Float64Array,
  ) {
    // No block is -1: the first set recomputes every row.
    this.set = new Int32Array(half).fill(-1);
    this.sum = new Float64Array((half + 1) * n);
    this.sumSq = new Float64Array((half + 1) * n);
  }

  moveTo(set: ArrayLike<number>): void {
    const { n, half, sums, squares, sum, sumSq } = this;
    let j = 0;
    while (j < half && this.set[j] === set[j]) j++;
    for (; j < half; j++) {
      const b = set[j]!;
      this.set[j] = b;
      const from = j * n;
      const to = from + n;
      const block = b * n;
      for (let c = 0; c < n; c++) {
        sum[to + c] = sum[from + c]! + sums[block + c]!;
        sumSq[to + c] = sumSq[from + c]! + squares[block + c]!;
      }
    }
  }

  scores(out: Float64Array, performance: Performance, count: number): void {
    const { n, sum, sumSq } = this;
    const row = this.half * n;
    for (let c = 0; c < n; c++) out[c] = performance(sum[row + c]!, sumSq[row + c]!, count);
  }
}

/** PBO from every split's λ, in split order. */
export function pboOfLogits(totals: BlockTotals, logits: ArrayLike<number>): Pbo {
  const all = Array.from(logits);
  return { pbo: all.filter((l) => l <= 0).length / all.length, logits: all, splits: all.length, blocks: totals.blocks, rowsPerBlock: totals.rowsPerBlock };
}

/** All k-element subsets of 0..n-1, in lexicographic order. */
function* choose(n: number, k: number): Generator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    yield [...idx];
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}
