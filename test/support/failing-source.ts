// A bar source that delivers `bars` bars of another, then fails as a venue source does once its retries are spent.
import type { BarSource } from '../../actors/session/bar-source.ts';

export function failingAfter(source: BarSource, bars: number): BarSource {
  let seen = 0;
  return {
    label: 'demo that fails',
    async next(cursor, signal) {
      if (seen >= bars) throw new Error('binance: ExchangeNotAvailable (HTTP 503) after 5 retries');
      const next = await source.next(cursor, signal);
      seen += next?.length ?? 0;
      return next;
    },
  };
}
