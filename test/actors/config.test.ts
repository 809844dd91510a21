import { afterAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_DIR, loadRiskLimits, loadStrategy, loadVenueConfig, strategyNames } from '../../actors/adapters/config.ts';

const shippedRisk = readFileSync(join(CONFIG_DIR, 'risk.yaml'), 'utf8');
const shippedBacktest = readFileSync(join(CONFIG_DIR, 'backtest.yaml'), 'utf8');
const shippedMeanReversion = readFileSync(join(CONFIG_DIR, 'strategies', 'mean_reversion.yaml'), 'utf8');

const tempRoot = mkdtempSync(join(tmpdir(), 'quantsage-config-'));
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

let dirCount = 0;
/** Writes `files` (relative path → text) into a fresh directory under the temp root and returns it. */
function configDir(files: Record<string, string>): string {
  const dir = join(tempRoot, `case-${dirCount++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** The shipped text with exactly one occurrence of `from` replaced. */
function edited(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the load to fail');
}

async function asyncErrorOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the load to fail');
}

describe('loadRiskLimits', () => {
  test('loads the shipped config/risk.yaml with the seed defaults', () => {
    expect(loadRiskLimits()).toEqual({
      positionMaxPct: 0.1,
      requireStopLoss: true,
      symbolMaxPct: 0.15,
      portfolioMaxInvestedPct: 0.8,
      maxDailyLossPct: 0.05,
      maxDrawdownPct: 0.2,
    });
  });

  test.each([
    { name: 'a position.max_pct of 15 (a percent, not a fraction)', from: 'max_pct: 0.10', to: 'max_pct: 15', field: 'position.max_pct', detail: 'got 15' },
    { name: 'a position.max_pct of 0', from: 'max_pct: 0.10', to: 'max_pct: 0', field: 'position.max_pct', detail: 'got 0' },
    { name: 'a symbol cap below the position cap', from: 'max_pct: 0.15', to: 'max_pct: 0.05', field: 'symbol.max_pct', detail: 'must be at least position.max_pct, got 0.05' },
    { name: 'a require_stop_loss that is not a boolean', from: 'require_stop_loss: true', to: 'require_stop_loss: 1', field: 'position.require_stop_loss', detail: 'got 1' },
    { name: 'a negative portfolio.max_invested_pct', from: 'max_invested_pct: 0.80', to: 'max_invested_pct: -0.8', field: 'portfolio.max_invested_pct', detail: 'got -0.8' },
    { name: 'a quoted system.max_drawdown_pct', from: 'max_drawdown_pct: 0.20', to: 'max_drawdown_pct: "20%"', field: 'system.max_drawdown_pct', detail: 'got "20%"' },
    { name: 'a misspelt system.max_daily_loss_pct', from: 'max_daily_loss_pct: 0.05', to: 'max_daily_loss: 0.05', field: 'unknown key `system.max_daily_loss`', detail: 'did you mean `max_daily_loss_pct`?' },
  ])('reports $name in one line naming risk.yaml and the field', ({ from, to, field, detail }) => {
    const dir = configDir({ 'risk.yaml': edited(shippedRisk, from, to) });
    const message = errorOf(() => loadRiskLimits(join(dir, 'risk.yaml')));
    expect(message).not.toContain('\n');
    expect(message).toContain('risk.yaml: ');
    expect(message).toContain(field);
    expect(message).toContain(detail);
  });

  test('names the exact field and value in the position.max_pct message', () => {
    const dir = configDir({ 'risk.yaml': edited(shippedRisk, 'max_pct: 0.10', 'max_pct: 15') });
    expect(errorOf(() => loadRiskLimits(join(dir, 'risk.yaml')))).toEndWith(
      'risk.yaml: position.max_pct: Too big: expected number to be <=1, got 15',
    );
  });

  test('names a misspelt key with the nearest valid name, not only the key it leaves missing', () => {
    const dir = configDir({ 'risk.yaml': edited(shippedRisk, 'max_pct: 0.15', 'max_pctt: 0.15') });
    expect(errorOf(() => loadRiskLimits(join(dir, 'risk.yaml')))).toEndWith(
      'risk.yaml: unknown key `symbol.max_pctt`, did you mean `max_pct`?',
    );
  });

  test('reports invalid YAML syntax in one line naming the file', () => {
    const dir = configDir({ 'risk.yaml': 'position:\n  max_pct: [0.1\nsymbol: {' });
    const message = errorOf(() => loadRiskLimits(join(dir, 'risk.yaml')));
    expect(message).not.toContain('\n');
    expect(message).toContain('risk.yaml: invalid YAML: ');
  });

  test('reports a missing file by its path', () => {
    const dir = configDir({});
    expect(errorOf(() => loadRiskLimits(join(dir, 'risk.yaml')))).toEndWith('risk.yaml: file not found');
  });

  test('names a file outside the working folder by the path it was given, not one relative to the working folder', () => {
    const path = join(configDir({}), 'risk.yaml');
    expect(errorOf(() => loadRiskLimits(path))).toBe(`${path}: file not found`);
  });

  test('reports an empty file as a missing root object', () => {
    const dir = configDir({ 'risk.yaml': '# nothing here\n' });
    expect(errorOf(() => loadRiskLimits(join(dir, 'risk.yaml')))).toContain('risk.yaml: (root): ');
  });
});

describe('loadVenueConfig', () => {
  test('loads the shipped config/backtest.yaml costs and capital', () => {
    const venue = loadVenueConfig();
    expect(venue.startingCapital).toBe(100_000);
    expect(venue.costs).toEqual({
      crypto: { slippageBps: 5, commissionBps: 10, commissionPerShare: 0, minCommission: 0, maxVolumeParticipation: 0.1 },
      stock: { slippageBps: 5, commissionBps: 0, commissionPerShare: 0.005, minCommission: 1, maxVolumeParticipation: 0.1 },
    });
  });

  test.each([
    { kind: 'crypto', symbol: 'BTC/USD', amountStep: 1e-8, priceStep: 0.01, minQty: 1e-8, minNotional: 10 },
    { kind: 'stock', symbol: 'AAPL', amountStep: 1, priceStep: 0.0001, minQty: 1, minNotional: 1 },
  ] as const)('gives a $kind symbol the shipped $kind market rules', ({ kind, symbol, ...rules }) => {
    expect(loadVenueConfig().marketFor(symbol, kind, 'sim')).toEqual({ symbol, kind, exchange: 'sim', ...rules });
  });

  test('names a misspelt cost key with the nearest valid name', () => {
    const dir = configDir({ 'backtest.yaml': edited(shippedBacktest, 'min_commission: 1.0', 'min_comission: 1.0') });
    expect(errorOf(() => loadVenueConfig(join(dir, 'backtest.yaml')))).toEndWith(
      'backtest.yaml: unknown key `costs.stock.min_comission`, did you mean `min_commission`?',
    );
  });

  test.each([
    ['.inf', 'Infinity'],
    ['-.inf', '-Infinity'],
    ['.nan', 'NaN'],
  ])('echoes a starting_capital of %s as %s, the number YAML read, not as null', (yaml, shown) => {
    const dir = configDir({ 'backtest.yaml': edited(shippedBacktest, 'starting_capital: 100000', `starting_capital: ${yaml}`) });
    expect(errorOf(() => loadVenueConfig(join(dir, 'backtest.yaml')))).toEndWith(`backtest.yaml: starting_capital: Invalid input: expected number, received ${shown}, got ${shown}`);
  });

  test('applies a per-symbol override on top of its kind\'s rules', () => {
    const dir = configDir({
      'backtest.yaml': edited(shippedBacktest, 'symbols: {}', 'symbols: { "ETH/USD": { amount_step: 0.0001 } }'),
    });
    const venue = loadVenueConfig(join(dir, 'backtest.yaml'));
    expect(venue.marketFor('ETH/USD', 'crypto', 'sim')).toMatchObject({ amountStep: 0.0001, priceStep: 0.01, minNotional: 10 });
    expect(venue.marketFor('BTC/USD', 'crypto', 'sim').amountStep).toBe(1e-8);
  });

  test.each([
    { name: 'a negative slippage', from: 'slippage_bps: 5           #', to: 'slippage_bps: -1 #', field: 'costs.crypto.slippage_bps' },
    { name: 'a zero amount step', from: 'amount_step: 1 ', to: 'amount_step: 0 ', field: 'markets.stock.amount_step' },
    { name: 'a zero starting capital', from: 'starting_capital: 100000', to: 'starting_capital: 0', field: 'starting_capital' },
  ])('reports $name in one line naming backtest.yaml and the field', ({ from, to, field }) => {
    const dir = configDir({ 'backtest.yaml': edited(shippedBacktest, from, to) });
    const message = errorOf(() => loadVenueConfig(join(dir, 'backtest.yaml')));
    expect(message).not.toContain('\n');
    expect(message).toContain('backtest.yaml: ');
    expect(message).toContain(`${field}: `);
  });
});

describe('loadStrategy', () => {
  test('loads mean_reversion with its shipped YAML', async () => {
    const { strategy, params } = await loadStrategy('mean_reversion');
    expect(strategy.name).toBe('mean_reversion');
    expect(strategy.warmupBars).toBe(20);
    expect(params).toEqual({
      lookback: 20,
      window: 'including_current',
      std: 'sample',
      entry_z: 2,
      exit_z: 0,
      stop_loss_pct: 0.08,
      take_profit_pct: null,
    });
  });

  test('reads the YAML from the given config directory', async () => {
    const dir = configDir({ 'strategies/mean_reversion.yaml': edited(shippedMeanReversion, 'lookback: 20', 'lookback: 10') });
    expect((await loadStrategy('mean_reversion', dir)).strategy.warmupBars).toBe(10);
  });

  test('names the strategy YAML and the field when a parameter is bad', async () => {
    const dir = configDir({ 'strategies/mean_reversion.yaml': edited(shippedMeanReversion, 'entry_z: 2.0', 'entry_z: -2') });
    const message = await asyncErrorOf(() => loadStrategy('mean_reversion', dir));
    expect(message).not.toContain('\n');
    expect(message).toContain('mean_reversion.yaml: entry_z: ');
  });

  test('names a misspelt strategy parameter with the nearest valid name', async () => {
    const dir = configDir({ 'strategies/mean_reversion.yaml': edited(shippedMeanReversion, 'lookback: 20', 'lookbak: 20') });
    expect(await asyncErrorOf(() => loadStrategy('mean_reversion', dir))).toEndWith(
      'mean_reversion.yaml: unknown key `lookbak`, did you mean `lookback`?',
    );
  });

  test('reports a missing strategy YAML', async () => {
    const message = await asyncErrorOf(() => loadStrategy('mean_reversion', configDir({})));
    expect(message).toEndWith('mean_reversion.yaml: file not found');
  });

  test('lists the valid strategies and suggests the nearest for a misspelt name', async () => {
    expect(await asyncErrorOf(() => loadStrategy('mean_reverson'))).toBe(
      '--strategy: no strategy "mean_reverson"; did you mean mean_reversion? (valid: mean_reversion, rsi_reversion)',
    );
    expect(await asyncErrorOf(() => loadStrategy('nope'))).toBe(
      '--strategy: no strategy "nope" (valid: mean_reversion, rsi_reversion)',
    );
  });

  test('lists only the strategies whose YAML and module both exist', () => {
    expect(strategyNames()).toEqual(['mean_reversion', 'rsi_reversion']);
    const dir = configDir({ 'strategies/mean_reversion.yaml': shippedMeanReversion, 'strategies/orphan.yaml': 'a: 1\n' });
    expect(strategyNames(dir)).toEqual(['mean_reversion']);
  });

  test.each([
    { name: 'a path', strategyName: '../risk/limits', shown: '../risk/limits' },
    { name: 'upper case', strategyName: 'Mean_Reversion', shown: 'Mean_Reversion' },
    { name: 'an empty name', strategyName: '', shown: '' },
    { name: 'a helper module beside the strategies', strategyName: 'strategy', shown: 'strategy' },
    { name: 'a name with a terminal escape', strategyName: 'mean\x1b[2J', shown: 'mean\\x1b[2J' },
  ])('refuses $name and lists the valid strategies', async ({ strategyName, shown }) => {
    expect(await asyncErrorOf(() => loadStrategy(strategyName))).toStartWith(`--strategy: no strategy "${shown}"`);
    expect(await asyncErrorOf(() => loadStrategy(strategyName))).toEndWith('(valid: mean_reversion, rsi_reversion)');
  });
});
