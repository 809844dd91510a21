// The `rules:` section of config/alerts.yaml, in the units the alerts actor takes. The defaults are the shipped
// file's values (test/actors/alerts/alerts-config.test.ts holds them equal); they apply only where no config file
// is read: a backtest run from code, a session recorded before sessions kept their alert rules.

export interface AlertRuleSettings {
  /** The same alert key at most once per this many ms of bar time; the rest are counted in one summary. */
  dedupWindowMs: number;
  /** Drawdown steps in percent below the peak, ascending: a WARNING when equity first falls past each. */
  drawdownStepsPct: readonly number[];
}

export const DEFAULT_ALERT_RULES: AlertRuleSettings = { dedupWindowMs: 60_000, drawdownStepsPct: [5, 10, 15] };
