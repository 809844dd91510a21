import { describe, expect, test } from 'bun:test';
import { AlertRules, ruleConfig, type AlertSource } from '../../../machines/alerts/alert-rules.ts';

const equity = (ts: number, value: number): AlertSource => ({ type: 'EquitySnapshot', ts, equity: value });
const risk = (kind: string, state: string, reason = 'why'): AlertSource => ({ type: 'RiskEvent', ts: 5, kind, state, reason });

describe('alert rules: one row per alert type, with its level, key and figures', () => {
  const cases: { name: string; before?: AlertSource[]; message: AlertSource; key: string; level: string; title: RegExp; body: RegExp }[] = [
    {
      name: 'drawdown breaker trip is CRITICAL with equity, peak and limit',
      before: [equity(1, 100_000), equity(2, 78_500)],
      message: risk('breaker_tripped', 'halted.drawdown', 'drawdown 21.50% ...'),
      key: 'breaker:halted.drawdown',
      level: 'critical',
      title: /Circuit breaker tripped: drawdown/,
      body: /^equity 78,500\.00 is 21\.5% below the peak 100,000\.00 \(limit 20%\)/,
    },
    {
      name: 'daily-loss trip is CRITICAL (the breaker itself announces it as a warning)',
      before: [equity(1, 100_000), equity(2, 94_000)],
      message: risk('breaker_tripped', 'halted.dailyLoss', 'daily loss 6.00% since the UTC day opened at 100000.00 reached the -5.00% limit'),
      key: 'breaker:halted.dailyLoss',
      level: 'critical',
      title: /daily loss/,
      body: /^daily loss 6\.00% since .* reached the -5\.00% limit; equity 94,000\.00; new entries halted until the next UTC day$/,
    },
    {
      name: 'manual halt (kill switch) is CRITICAL',
      message: risk('breaker_tripped', 'halted.manual', 'operator: checking'),
      key: 'breaker:halted.manual',
      level: 'critical',
      title: /Kill switch/,
      body: /operator: checking/,
    },
    {
      name: 'resume after a manual halt is INFO',
      before: [risk('breaker_tripped', 'halted.manual')],
      message: risk('breaker_lifted', 'trading', 'resume'),
      key: 'breaker:resumed',
      level: 'info',
      title: /Kill switch lifted/,
      body: /resume/,
    },
    {
      name: 'daily-loss lift is INFO and names the halt it ends',
      before: [risk('breaker_tripped', 'halted.dailyLoss')],
      message: risk('breaker_lifted', 'trading', 'new UTC day: daily-loss halt lifted'),
      key: 'breaker:lifted:halted.dailyLoss',
      level: 'info',
      title: /lifted \(was halted\.dailyLoss\)/,
      body: /new UTC day/,
    },
    {
      name: 'drawdown reset is INFO',
      before: [risk('breaker_tripped', 'halted.drawdown')],
      message: risk('breaker_reset', 'trading', 'operator reset'),
      key: 'breaker:reset:halted.drawdown',
      level: 'info',
      title: /reset/,
      body: /operator reset/,
    },
    {
      name: 'a risk rejection is WARNING, keyed by rule and symbol',
      message: { type: 'RiskDecision', ts: 5, symbol: 'BTC/USD', approved: false, layer: 'symbol', rule: 'max_pct', reason: 'BTC/USD exposure 16% > 15%' },
      key: 'reject:max_pct:BTC/USD',
      level: 'warning',
      title: /Signal rejected: BTC\/USD by symbol\/max_pct/,
      body: /16% > 15%/,
    },
    {
      name: 'a position opened is INFO with quantity and price',
      message: { type: 'PositionUpdate', ts: 5, symbol: 'ETH/USDT', qty: 2, avgPrice: 1500, lastPrice: 1500, realizedPnl: 0 },
      key: 'position:opened:ETH/USDT',
      level: 'info',
      title: /Position opened: ETH\/USDT long 2/,
      body: /2 at 1,500\.00 \(3,000\.00\)/,
    },
    {
      name: 'a position closed is INFO with the trade’s realised P&L',
      before: [{ type: 'PositionUpdate', ts: 4, symbol: 'ETH/USDT', qty: 2, avgPrice: 1500, lastPrice: 1500, realizedPnl: 100 }],
      message: { type: 'PositionUpdate', ts: 5, symbol: 'ETH/USDT', qty: 0, avgPrice: 0, lastPrice: 1400, realizedPnl: -100 },
      key: 'position:closed:ETH/USDT',
      level: 'info',
      title: /Position closed: ETH\/USDT -200\.00/,
      body: /closed at 1,400\.00; realised P&L -200\.00/,
    },
    {
      name: 'a stop-loss fill is INFO',
      message: { type: 'Fill', ts: 5, symbol: 'BTC/USD', side: 'sell', qty: 0.5, price: 38_000, fee: 3.8, purpose: 'stop_loss' },
      key: 'stop:BTC/USD',
      level: 'info',
      title: /Stop-loss hit: BTC\/USD/,
      body: /sell 0\.5 at 38,000\.00 \(fee 3\.80\)/,
    },
    {
      name: 'an order rejected by the venue is WARNING',
      message: { type: 'OrderUpdate', ts: 5, clientOrderId: 'o-1', symbol: 'BTC/USDT', status: 'rejected', reason: 'insufficient balance' },
      key: 'order:rejected:BTC/USDT',
      level: 'warning',
      title: /Order rejected: BTC\/USDT/,
      body: /o-1: insufficient balance/,
    },
    {
      name: 'an order cancelled by the venue is WARNING',
      message: { type: 'OrderUpdate', ts: 5, clientOrderId: 'o-2', symbol: 'SPY', status: 'cancelled', reason: 'cancelled at the venue (expired)' },
      key: 'order:cancelled:SPY',
      level: 'warning',
      title: /Order cancelled: SPY/,
      body: /expired/,
    },
    { name: 'feed stale is WARNING', message: risk('feed_stale', 'trading', 'no bar for 2 timeframes'), key: 'feed:stale', level: 'warning', title: /Feed stale/, body: /no bar/ },
    { name: 'feed back is INFO', message: risk('feed_fresh', 'trading', 'bars again'), key: 'feed:fresh', level: 'info', title: /Feed back/, body: /bars again/ },
    {
      name: 'a reconciliation difference is CRITICAL',
      message: risk('reconcile_mismatch', 'trading', 'BTC venue 0.5, journal 0.4'),
      key: 'reconcile:mismatch',
      level: 'critical',
      title: /Reconciliation/,
      body: /venue 0\.5, journal 0\.4/,
    },
    {
      name: 'crossing the −5% drawdown step is WARNING',
      before: [equity(1, 100_000)],
      message: equity(2, 94_800),
      key: 'drawdown:5%',
      level: 'warning',
      title: /Drawdown past −5%/,
      body: /^equity 94,800\.00 is 5\.2% below the peak 100,000\.00 \(step −5%\)$/,
    },
    {
      name: 'session started is INFO',
      message: { type: 'StateTransition', ts: 5, actor: 'session', from: 'warmingUp', to: 'trading', event: 'READY' },
      key: 'session:started',
      level: 'info',
      title: /Session started/,
      body: /0 open positions/,
    },
    {
      name: 'session stopped is INFO with the book',
      before: [equity(1, 1_000), { type: 'PositionUpdate', ts: 2, symbol: 'SPY', qty: 1, avgPrice: 500, lastPrice: 500, realizedPnl: 0 }],
      message: { type: 'StateTransition', ts: 5, actor: 'session', from: 'stopping', to: 'stopped', event: 'STOPPED' },
      key: 'session:stopped',
      level: 'info',
      title: /Session stopped/,
      body: /equity 1,000\.00, 1 open position$/,
    },
    {
      name: 'an exchange error past its retries is CRITICAL',
      message: { type: 'SessionError', ts: 5, reason: 'binance: ExchangeNotAvailable after 5 retries' },
      key: 'session:error',
      level: 'critical',
      title: /Session stopped by an error/,
      body: /ExchangeNotAvailable after 5 retries/,
    },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const rules = new AlertRules({ drawdownSteps: [0.05, 0.1, 0.15], maxDrawdownPct: 0.2 });
      for (const m of c.before ?? []) rules.observe(m);
      const alerts = rules.observe(c.message);
      expect(alerts).toHaveLength(1);
      const [alert] = alerts;
      expect(alert!.key).toBe(c.key);
      expect(alert!.level).toBe(c.level as never);
      expect(alert!.title).toMatch(c.title);
      expect(alert!.body).toMatch(c.body);
      expect(alert!.barTs).toBe(c.message.ts);
    });
  }
});

describe('alert rules: what raises nothing', () => {
  const quiet: { name: string; message: AlertSource }[] = [
    { name: 'an approved decision', message: { type: 'RiskDecision', ts: 1, symbol: 'X', approved: true } },
    { name: 'an entry fill', message: { type: 'Fill', ts: 1, symbol: 'X', side: 'buy', qty: 1, price: 1, fee: 0, purpose: 'entry' } },
    { name: 'an accepted order', message: { type: 'OrderUpdate', ts: 1, clientOrderId: 'o', symbol: 'X', status: 'accepted' } },
    { name: 'the other leg of a bracket', message: { type: 'OrderUpdate', ts: 1, clientOrderId: 'o', symbol: 'X', status: 'cancelled', reason: 'stop-loss filled (one cancels other)' } },
    { name: 'brackets of a closed position', message: { type: 'OrderUpdate', ts: 1, clientOrderId: 'o', symbol: 'X', status: 'cancelled', reason: 'position closed' } },
    { name: 'orders open at the end of a backtest', message: { type: 'OrderUpdate', ts: 1, clientOrderId: 'o', symbol: 'X', status: 'cancelled', reason: 'end of data' } },
    { name: 'entries the kill switch cancels', message: { type: 'OrderUpdate', ts: 1, clientOrderId: 'o', symbol: 'X', status: 'cancelled', reason: 'operator halt: test' } },
    { name: 'a pipeline state change', message: { type: 'StateTransition', ts: 1, actor: 'pipeline', from: 'ready', to: 'running', event: 'START' } },
    { name: 'a session halting (the breaker alert tells it)', message: { type: 'StateTransition', ts: 1, actor: 'session', from: 'trading', to: 'halted', event: 'HALT' } },
    { name: 'a reconciliation that always agreed', message: risk('reconcile_ok', 'trading') },
  ];
  for (const q of quiet) {
    test(`${q.name} raises no alert`, () => {
      expect(new AlertRules().observe(q.message)).toEqual([]);
    });
  }
});

describe('drawdown steps', () => {
  const keys = (rules: AlertRules, values: number[]) => values.flatMap((v, i) => rules.observe(equity(i, v)).map((a) => a.key));

  test('each step is alerted once while equity stays below it', () => {
    const rules = new AlertRules({ drawdownSteps: [0.05, 0.1, 0.15] });
    expect(keys(rules, [100, 94, 93, 94.5, 89, 88, 91])).toEqual(['drawdown:5%', 'drawdown:10%']);
  });

  test('a step is alerted again after equity recovered above it', () => {
    const rules = new AlertRules({ drawdownSteps: [0.05, 0.1] });
    expect(keys(rules, [100, 94, 96, 94, 89, 91, 89])).toEqual(['drawdown:5%', 'drawdown:5%', 'drawdown:10%', 'drawdown:10%']);
  });

  test('a fall through several steps at once alerts each of them', () => {
    const rules = new AlertRules({ drawdownSteps: [0.15, 0.05, 0.1] });
    expect(keys(rules, [100, 80])).toEqual(['drawdown:5%', 'drawdown:10%', 'drawdown:15%']);
  });

  test('a new peak measures the next drawdown from there', () => {
    const rules = new AlertRules({ drawdownSteps: [0.05] });
    expect(keys(rules, [100, 96, 200, 191, 189])).toEqual(['drawdown:5%']);
    expect(rules.observe(equity(9, 189))[0]).toBeUndefined();
  });

  test('the config\'s percent steps become fractions of the peak, alerted under their percent', () => {
    const rules = new AlertRules(ruleConfig({ dedupWindowMs: 60_000, drawdownStepsPct: [1, 2.5] }));
    expect(keys(rules, [100, 99.01, 98.99, 97.6, 97.4])).toEqual(['drawdown:1%', 'drawdown:2.5%']);
  });

  test('the trip alert quotes the breaker\'s drawdown limit given with the steps', () => {
    const rules = new AlertRules(ruleConfig({ dedupWindowMs: 60_000, drawdownStepsPct: [5] }, 0.25));
    rules.observe(equity(1, 100_000));
    rules.observe(equity(2, 74_000));
    expect(rules.observe(risk('breaker_tripped', 'halted.drawdown'))[0]!.body).toContain('(limit 25%)');
  });

  test('steps must be fractions', () => {
    expect(() => new AlertRules({ drawdownSteps: [5] })).toThrow('alert drawdown steps must be fractions in (0, 1), got 5');
  });
});
