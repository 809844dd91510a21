// Deduplication and rate limiting: the same key at most once per window; what the window suppressed is counted
// and sent as one summary when it closes.
//
// Time is the session clock (bar time) in every mode, never the wall clock: alerts are derived from the
// pipeline's messages, so a backtest, a paper session's crash recovery and `bun run replay` must raise exactly
// the same alerts from the same messages. Live, the session clock follows the wall clock to within one bar, so
// a 60 s window is 60 s of trading time there too. Pure: no clock is read here, `now` is passed in.
import type { AlertDraft } from './alert-rules.ts';
import { DEFAULT_ALERT_RULES } from './alert-rule-settings.ts';

interface Window {
  key: string;
  closesAt: number;
  suppressed: number;
  first: AlertDraft;
}

export class AlertDedup {
  private readonly open = new Map<string, Window>();
  /** Windows in the order they opened, which (one window length for all) is the order they close. */
  private readonly queue: Window[] = [];
  private head = 0;
  private now = -Infinity;

  constructor(readonly windowMs: number = DEFAULT_ALERT_RULES.dedupWindowMs) {
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw new Error(`alert dedup window must be a positive number of ms, got ${windowMs}`);
  }

  /**
   * Moves the clock to `now` (never backwards: messages of several symbols may arrive a little out of order) and
   * returns the summaries of the windows that closed, in the order they closed. O(1) when none closes.
   */
  advance(now: number): AlertDraft[] {
    if (now > this.now) this.now = now;
    const out: AlertDraft[] = [];
    while (this.head < this.queue.length && this.queue[this.head]!.closesAt <= this.now) {
      const window = this.queue[this.head++]!;
      this.open.delete(window.key);
      if (window.suppressed > 0) out.push(this.summary(window, window.closesAt));
    }
    // Drop the consumed prefix now and then so the queue does not grow with the run.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return out;
  }

  /** Whether the draft goes out (the first of its key in the window) or is counted and held back. */
  admit(draft: AlertDraft): boolean {
    const window = this.open.get(draft.key);
    if (window !== undefined) {
      window.suppressed++;
      return false;
    }
    const opened: Window = { key: draft.key, closesAt: Math.max(this.now, draft.barTs) + this.windowMs, suppressed: 0, first: draft };
    this.open.set(draft.key, opened);
    this.queue.push(opened);
    return true;
  }

  /** The end of the stream: summaries of every window still open that suppressed something. */
  flush(): AlertDraft[] {
    const out: AlertDraft[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const window = this.queue[i]!;
      // Stamped with the last time seen: the stream ended before the window did.
      if (window.suppressed > 0) out.push(this.summary(window, Math.min(window.closesAt, this.now)));
    }
    this.open.clear();
    this.queue.length = 0;
    this.head = 0;
    return out;
  }

  private summary(window: Window, barTs: number): AlertDraft {
    const { first } = window;
    return {
      key: `${first.key}:suppressed`,
      level: first.level,
      title: `${first.title} — ${window.suppressed} more suppressed`,
      body: `${first.title}: suppressed ${window.suppressed} more in the last ${formatSeconds(this.windowMs)}`,
      barTs,
    };
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
