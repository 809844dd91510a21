// How money and prices are shown: to the precision the quote currency and the market actually have. The
// accounting keeps full float64 values (and the run DB stores them); only what a person or a consumer of
// `--json` reads is rounded, so fees print as 860.00, never 859.9999999999999 or -0.00.
import type { MarketKind } from '../domain.ts';
import type { PerformanceSummary } from './performance.ts';

/** Decimals of currencies that are not 2 (the cent-based fiat currencies and the dollar stablecoins). */
const CURRENCY_DECIMALS: Record<string, number> = { JPY: 0, KRW: 0, BTC: 8, ETH: 8, XBT: 8 };
const TWO_DECIMAL_CURRENCIES = new Set(['USD', 'USDT', 'USDC', 'BUSD', 'DAI', 'TUSD', 'FDUSD', 'EUR', 'GBP', 'CHF', 'CAD', 'AUD']);

/** The currency an instrument is priced in: the part after `/` for a pair, USD for a US stock. */
export function quoteCurrency(symbol: string, kind: MarketKind): string {
  const slash = symbol.lastIndexOf('/');
  if (slash >= 0) return symbol.slice(slash + 1).split(':')[0]!.toUpperCase();
  return kind === 'stock' ? 'USD' : symbol.toUpperCase();
}

/** Decimals of one unit of a currency; an unknown crypto quote gets 8 (a satoshi-like unit) rather than lose value. */
export function currencyDecimals(currency: string): number {
  const code = currency.toUpperCase();
  if (TWO_DECIMAL_CURRENCIES.has(code)) return 2;
  return CURRENCY_DECIMALS[code] ?? 8;
}

/** Decimals of a price step (tick): 0.01 → 2, 0.0001 → 4, 0.25 → 2, 1 → 0. */
export function stepDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) throw new Error(`stepDecimals: step must be a positive number, got ${step}`);
  for (let decimals = 0; decimals < 12; decimals++) {
    const scaled = step * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return decimals;
  }
  return 12;
}

/** Rounds to `decimals` places; a result of zero is always +0, so nothing prints as "-0.00". */
export function roundTo(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const rounded = Number(value.toFixed(decimals));
  return rounded === 0 ? 0 : rounded;
}

/** `1234.5` → `1,234.50` at 2 decimals; never `-0.00`. */
export function formatAmount(value: number, decimals: number): string {
  return roundTo(value, decimals).toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A plain fixed-point figure (ratios, percentages) without the `-0.00` of a tiny negative. */
export function formatFixed(value: number, decimals: number): string {
  return roundTo(value, decimals).toFixed(decimals);
}

const MONEY_FIELDS = ['start_equity', 'final_equity', 'expectancy', 'fees', 'avg_win', 'avg_loss', 'best_trade', 'worst_trade'] as const;

/** The summary with every money figure rounded to the quote currency's decimals; ratios are left as computed. */
export function roundSummaryMoney<S extends PerformanceSummary>(summary: S, decimals: number): S {
  const rounded = { ...summary };
  for (const field of MONEY_FIELDS) rounded[field] = roundTo(summary[field], decimals) as S[typeof field];
  return rounded;
}
