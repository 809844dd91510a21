// `bun run paper`'s feed: a venue polled just after each bar closes. Every poll asks for the closed bars after
// the session's cursor (per symbol), so a bar missed by an earlier poll — or everything missed while the
// process was down — is filled from the REST history before newer bars go on. Bars of one close time are held
// back until every symbol has its bar (a symbol that lags would otherwise see its bar refused as late), for at
// most `graceMs`. Failures follow the collector's retry policy; the clock and sleep are injected.
import { nextExpectedBarTs } from '../../machines/data/collection-plan.ts';
import { barCloseTs } from '../../machines/data/csv-layouts.ts';
import type { FeedCursor } from '../../machines/data/live-bars.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../machines/data/retry-policy.ts';
import { timeframeMs } from '../../machines/data/timeframe.ts';
import type { Bar } from '../../machines/domain.ts';
import type { CandleSource } from '../adapters/collect.ts';
import { withRetries, type RetryEvent, type RetryLoop } from '../adapters/with-retries.ts';
import type { BarSource } from './bar-source.ts';
import type { Clock } from './session-runtime.ts';

export interface VenueBarSourceOptions {
  source: CandleSource;
  symbols: string[];
  /** Canonical spelling (`1m`, `1h`, `1d`). */
  timeframe: string;
  clock: Clock;
  /** Resolves after `ms` of the clock, or at once when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Wait after a bar's close before asking for it: venues publish a closed bar a moment later. */
  settleMs?: number;
  /** Pause between polls while a due bar has not appeared yet. */
  recheckMs?: number;
  /** How long bars of one close time wait for a lagging symbol before the others go on without it. */
  graceMs?: number;
  retry?: RetryPolicy;
  onRetry?(event: RetryEvent): void;
}

const MAX_PAGES_PER_POLL = 50;

export interface VenueBarSource extends BarSource {
  /** Loads the venue's markets and checks symbols and timeframe (retried); `next` does it when not done yet. */
  prepare(signal?: AbortSignal): Promise<void>;
}

export function venueBarSource(opts: VenueBarSourceOptions): VenueBarSource {
  const { source, symbols, timeframe, clock } = opts;
  const shape = { kind: source.kind, timeframe };
  const barMs = timeframeMs(timeframe);
  const settleMs = opts.settleMs ?? Math.min(2_000, barMs / 10);
  const recheckMs = opts.recheckMs ?? Math.min(5_000, barMs / 4);
  const graceMs = opts.graceMs ?? Math.min(5 * 60_000, barMs);
  const policy = opts.retry ?? DEFAULT_RETRY_POLICY;
  let prepared = false;
  /** No poll before this time. */
  let nextPollAt = Number.NEGATIVE_INFINITY;

  const retryLoop: RetryLoop = {
    policy,
    describeFailure: (error) => source.describeFailure(error),
    sleep: (ms, signal) => opts.sleep(ms, signal),
    onRetry: (event) => opts.onRetry?.(event),
  };

  /** Open time of the first bar the session still needs of a symbol. */
  const firstNeededTs = (cursor: FeedCursor, symbol: string, nowTs: number): number => {
    const last = cursor.lastTs.get(symbol);
    if (last !== undefined) return nextExpectedBarTs(last, shape, last);
    // Only warm-up so far: the first bar closing after it. Without even a warm-up, the bar now forming.
    const after = Number.isFinite(cursor.lastCloseTs) && cursor.lastCloseTs > 0 ? cursor.lastCloseTs - 1 : nowTs - barMs;
    return nextExpectedBarTs(after, shape, 0);
  };

  /** Closed bars of one symbol opening at or after `sinceTs`, paged forward until the venue has no more. */
  const fetchClosed = async (symbol: string, sinceTs: number, nowTs: number, signal: AbortSignal): Promise<Bar[]> => {
    const out: Bar[] = [];
    let startTs = sinceTs;
    for (let page = 0; page < MAX_PAGES_PER_POLL && !signal.aborted; page++) {
      const request = { symbol, timeframe, range: { startTs, endTs: nowTs }, limit: source.maxPageSize };
      const got = await withRetries(`${source.exchange} ${symbol} ${timeframe}`, () => source.fetchPage(request), retryLoop, signal);
      let latest = got.cursorTs ?? Number.NEGATIVE_INFINITY;
      for (const c of got.candles) {
        latest = Math.max(latest, c.ts);
        if (c.ts < sinceTs) continue;
        const closeTs = barCloseTs(c.ts, timeframe, source.kind);
        // The venue also sends the bar still forming: it is not a bar yet.
        if (closeTs > nowTs) continue;
        out.push({ symbol, timeframe, ts: c.ts, closeTs, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume });
      }
      const full = got.candles.length + (got.skipped ?? 0) >= request.limit;
      if (got.exhausted || !full || !Number.isFinite(latest) || latest + 1 > nowTs) break;
      startTs = latest + 1;
    }
    return out;
  };

  const prepare = async (signal: AbortSignal = new AbortController().signal): Promise<void> => {
    if (prepared) return;
    await withRetries(source.exchange, () => source.prepare(symbols, timeframe), retryLoop, signal);
    prepared = true;
  };

  return {
    label: `${source.label} ${timeframe}, polled after each close`,
    prepare,
    async next(cursor: FeedCursor, signal: AbortSignal): Promise<Bar[] | undefined> {
      await prepare(signal);
      const needed = new Map(symbols.map((s) => [s, firstNeededTs(cursor, s, clock.now())]));
      const dueClose = Math.min(...[...needed.values()].map((ts) => barCloseTs(ts, timeframe, source.kind)));
      const wakeAt = Math.max(dueClose + settleMs, nextPollAt);
      if (clock.now() < wakeAt) await opts.sleep(wakeAt - clock.now(), signal);
      if (signal.aborted) return [];

      const nowTs = clock.now();
      const fetched = new Map<string, Bar[]>();
      for (const symbol of symbols) {
        const bars = await fetchClosed(symbol, needed.get(symbol)!, nowTs, signal);
        fetched.set(symbol, bars.sort((a, b) => a.ts - b.ts));
      }
      if (signal.aborted) return [];

      // Per symbol, the close of the last bar reached without a hole; bars after the earliest of those wait.
      let completeClose = Number.POSITIVE_INFINITY;
      for (const symbol of symbols) {
        let expected = needed.get(symbol)!;
        let reached = Number.NEGATIVE_INFINITY;
        for (const bar of fetched.get(symbol)!) {
          if (bar.ts !== expected) break;
          reached = bar.closeTs;
          expected = nextExpectedBarTs(bar.ts, shape, bar.ts);
        }
        completeClose = Math.min(completeClose, reached);
      }
      const all = [...fetched.values()].flat();
      const waitedLongEnough = nowTs >= dueClose + settleMs + graceMs;
      const ready = waitedLongEnough ? all : all.filter((bar) => bar.closeTs <= completeClose);
      // Bars released advance the cursor to a later due time; anything else (nothing new, bars held back, bars
      // the session refuses) must not turn into a tight loop of requests.
      nextPollAt = nowTs + recheckMs;
      return ready;
    },
    async close() {
      await source.close();
    },
  };
}
