// Alerts actor: turns what the other actors conclude (risk events and decisions, orders, fills, positions,
// equity) and what the session reports (its lifecycle, its failure) into alerts — rules, then deduplication —
// records each one through the recorder (AlertRaised) and hands it to the injected delivery.
// It never hears MarketData; an EquitySnapshot costs a peak comparison and a step check.
import { fromMutableTransition } from './mutable-transition.ts';
import type { Alert } from '../machines/alerts/alert.ts';
import { DEFAULT_ALERT_RULES, type AlertRuleSettings } from '../machines/alerts/alert-rule-settings.ts';
import { AlertRules, ruleConfig, SESSION_KEY_PREFIX, type AlertDraft, type AlertSource } from '../machines/alerts/alert-rules.ts';
import { AlertDedup } from '../machines/alerts/dedup.ts';
import type { PipelineMessage } from './messages.ts';
import type { Publish } from './router.ts';

export interface AlertsOptions {
  /** Called for each alert after it is recorded; must not block (see AlertDelivery). */
  deliver(alert: Alert): void;
  /** Wall clock for each alert's `wallTs` (never used for deduplication, which runs on bar time). */
  now(): number;
  /** The alerts config's `rules:` (drawdown steps, deduplication window); default DEFAULT_ALERT_RULES. */
  rules?: AlertRuleSettings;
}

export interface AlertsInput extends AlertsOptions {
  publish: Publish;
  runId: string;
  /** The circuit breaker's drawdown limit (config/risk.yaml), quoted in the trip alert. */
  maxDrawdownPct?: number;
}

interface AlertsState {
  input: AlertsInput;
  rules: AlertRules;
  dedup: AlertDedup;
}

function raise(s: AlertsState, draft: AlertDraft): void {
  const alert: Alert = { ...draft, wallTs: s.input.now(), runId: s.input.runId };
  s.input.publish({ type: 'AlertRaised', ts: alert.barTs, alert });
  s.input.deliver(alert);
}

export const alertsLogic = fromMutableTransition(
  (s: AlertsState, event: PipelineMessage): AlertsState => {
    if (event.type === 'EndOfData') {
      for (const summary of s.dedup.flush()) raise(s, summary);
      return s;
    }
    const drafts = s.rules.observe(event as AlertSource);
    const fromSession = event.type === 'SessionError' || (event.type === 'StateTransition' && event.actor === 'session');
    if (fromSession) {
      // The session's own alerts are rare and are not derived from the journal: they neither pass through nor
      // move the deduplication clock, so a recovered session derives the same alerts the crashed one did.
      for (const draft of drafts) raise(s, draft);
      return s;
    }
    for (const summary of s.dedup.advance(event.ts)) raise(s, summary);
    for (const draft of drafts) {
      if (draft.key.startsWith(SESSION_KEY_PREFIX) || s.dedup.admit(draft)) raise(s, draft);
    }
    return s;
  },
  ({ input }: { input: AlertsInput }): AlertsState => {
    const settings = input.rules ?? DEFAULT_ALERT_RULES;
    return {
      input,
      rules: new AlertRules(ruleConfig(settings, input.maxDrawdownPct)),
      dedup: new AlertDedup(settings.dedupWindowMs),
    };
  },
);
