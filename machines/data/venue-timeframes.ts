// One stored spelling per timeframe. Users and venues write `1h`, `1H`, `1Hour` or `60Min` style names; candles
// are stored under the short CCXT spelling (`1s`, `1m`, `5m`, `1h`, `1d`, `1w`) so a backtest finds collected and imported
// bars with whichever spelling it is given. Only the unit is renamed: `60m` stays `60m`, it is not turned into `1h`.
import { timeframeMs } from './timeframe.ts';

const SHORT_UNIT: Record<string, string> = { s: 's', sec: 's', m: 'm', min: 'm', h: 'h', hour: 'h', d: 'd', day: 'd', w: 'w', week: 'w' };
const ALPACA_UNIT: Record<string, { name: string; max: number }> = {
  m: { name: 'Min', max: 59 },
  h: { name: 'Hour', max: 23 },
  d: { name: 'Day', max: 1 },
  w: { name: 'Week', max: 1 },
};

/** `1Hour` → `1h`, `1Day` → `1d`, `5Min` → `5m`; throws `unknown timeframe "x"` like timeframeMs. */
export function canonicalTimeframe(timeframe: string): string {
  timeframeMs(timeframe);
  const [, count, unit] = /^(\d+)([a-zA-Z]+)$/.exec(timeframe)!;
  return `${Number(count)}${SHORT_UNIT[unit!.toLowerCase()]}`;
}

/** Alpaca's spelling of a timeframe (`1h` → `1Hour`); throws for lengths Alpaca has no bars for. */
export function alpacaTimeframe(timeframe: string): string {
  const canonical = canonicalTimeframe(timeframe);
  const count = Number(canonical.slice(0, -1));
  const unit = ALPACA_UNIT[canonical.slice(-1)];
  if (unit === undefined || count > unit.max) {
    throw new Error(`alpaca has no ${timeframe} bars (use 1-59Min, 1-23Hour, 1Day or 1Week)`);
  }
  return `${count}${unit.name}`;
}
