// Loads and validates the YAML in config/. Every failure is one line naming the file and the field.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { shownValue } from '../../machines/display-text.ts';
import type { CostModel, Market, MarketKind } from '../../machines/domain.ts';
import { nearestName } from '../../machines/nearest-name.ts';
import { parseConfig } from '../../machines/parse-config.ts';
import type { RiskLimits } from '../../machines/risk/limits.ts';
import type { AnyStrategy, StrategyDefinition } from '../../machines/strategies/strategy.ts';

export const CONFIG_DIR = join(import.meta.dir, '..', '..', 'config');

/**
 * A config path as messages show it: a file under the working folder relative to it (`config/risk.yaml`), any
 * other exactly as it was given — `--alerts-config /etc/x.yaml` must not come back as `../../etc/x.yaml`.
 */
export function shownConfigPath(path: string): string {
  if (!isAbsolute(path)) return path;
  const inside = relative(process.cwd(), path);
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? path : inside;
}

export function readYaml(path: string): unknown {
  const shown = shownConfigPath(path);
  if (!existsSync(path)) throw new Error(`${shown}: file not found`);
  if (statSync(path).isDirectory()) throw new Error(`${shown}: is a directory, not a file`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${shown}: cannot be read: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    return parseYaml(text);
  } catch (err) {
    throw new Error(`${shown}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Reads `path` and validates it with `schema`; every failure is one line starting with the file. */
export function load<S extends z.ZodType>(path: string, schema: S): z.infer<S> {
  const raw = readYaml(path);
  try {
    return parseConfig(schema, raw);
  } catch (err) {
    throw new Error(`${shownConfigPath(path)}: ${(err as Error).message}`);
  }
}

const fraction = z.number().gt(0).lte(1);

const riskSchema = z
  .object({
    position: z.object({ max_pct: fraction, require_stop_loss: z.boolean() }).strict(),
    symbol: z.object({ max_pct: fraction }).strict(),
    portfolio: z.object({ max_invested_pct: fraction }).strict(),
    system: z.object({ max_daily_loss_pct: fraction, max_drawdown_pct: fraction }).strict(),
  })
  .strict()
  .refine((r) => r.position.max_pct <= r.symbol.max_pct, {
    message: 'must be at least position.max_pct',
    path: ['symbol', 'max_pct'],
  });

export function loadRiskLimits(path = join(CONFIG_DIR, 'risk.yaml')): RiskLimits {
  const r = load(path, riskSchema);
  return {
    positionMaxPct: r.position.max_pct,
    requireStopLoss: r.position.require_stop_loss,
    symbolMaxPct: r.symbol.max_pct,
    portfolioMaxInvestedPct: r.portfolio.max_invested_pct,
    maxDailyLossPct: r.system.max_daily_loss_pct,
    maxDrawdownPct: r.system.max_drawdown_pct,
  };
}

const bps = z.number().min(0).max(10_000);
const costSchema = z
  .object({
    slippage_bps: bps,
    commission_bps: bps.default(0),
    commission_per_share: z.number().min(0).default(0),
    min_commission: z.number().min(0).default(0),
    max_volume_participation: z.number().min(0).max(1).default(0),
  })
  .strict();
const step = z.number().gt(0);
const marketRulesSchema = z
  .object({ amount_step: step, price_step: step, min_qty: z.number().min(0), min_notional: z.number().min(0) })
  .strict();

const backtestSchema = z
  .object({
    starting_capital: z.number().gt(0),
    costs: z.object({ crypto: costSchema, stock: costSchema }).strict(),
    markets: z
      .object({
        crypto: marketRulesSchema,
        stock: marketRulesSchema,
        symbols: z.record(z.string(), marketRulesSchema.partial()).default({}),
      })
      .strict(),
  })
  .strict();

export interface VenueConfig {
  startingCapital: number;
  costs: Record<MarketKind, CostModel>;
  marketFor(symbol: string, kind: MarketKind, exchange: string): Market;
}

export function loadVenueConfig(path = join(CONFIG_DIR, 'backtest.yaml')): VenueConfig {
  const c = load(path, backtestSchema);
  const cost = (k: z.infer<typeof costSchema>): CostModel => ({
    slippageBps: k.slippage_bps,
    commissionBps: k.commission_bps,
    commissionPerShare: k.commission_per_share,
    minCommission: k.min_commission,
    maxVolumeParticipation: k.max_volume_participation,
  });
  return {
    startingCapital: c.starting_capital,
    costs: { crypto: cost(c.costs.crypto), stock: cost(c.costs.stock) },
    marketFor(symbol, kind, exchange) {
      const rules = { ...c.markets[kind], ...c.markets.symbols[symbol] };
      return {
        symbol,
        kind,
        exchange,
        amountStep: rules.amount_step,
        priceStep: rules.price_step,
        minQty: rules.min_qty,
        minNotional: rules.min_notional,
      };
    },
  };
}

const STRATEGIES_DIR = join(import.meta.dir, '..', '..', 'machines', 'strategies');

function strategyModulePath(name: string): string {
  return join(STRATEGIES_DIR, `${name.replace(/_/g, '-')}.ts`);
}

/** Every strategy that can run: a YAML in config/strategies/ with its module beside the other strategies. */
export function strategyNames(configDir = CONFIG_DIR): string[] {
  const dir = join(configDir, 'strategies');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.slice(0, -'.yaml'.length))
    .filter((name) => STRATEGY_NAME.test(name) && existsSync(strategyModulePath(name)))
    .sort();
}

function unknownStrategy(name: string, configDir: string): Error {
  const names = strategyNames(configDir);
  const nearest = nearestName(name, names);
  const suggestion = nearest === undefined ? '' : `; did you mean ${nearest}?`;
  return new Error(`--strategy: no strategy "${shownValue(name)}"${suggestion} (valid: ${names.join(', ') || 'none found'})`);
}

const STRATEGY_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Finds `machines/strategies/<name>.ts` (underscores become dashes) and its `config/strategies/<name>.yaml`:
 * a new strategy is a new pair of files, nothing else changes.
 */
export async function loadStrategy(
  name: string,
  configDir = CONFIG_DIR,
  /** Parameters that replace the YAML's (`--param key=value`, a sweep's combination); checked by the same schema. */
  overrides: Record<string, unknown> = {},
): Promise<{ strategy: AnyStrategy; params: Record<string, unknown> }> {
  const { definition, raw, yamlPath } = await loadStrategyDefinition(name, configDir);
  const merged = Object.keys(overrides).length === 0 ? raw : { ...raw, ...overrides };
  let params: unknown;
  try {
    params = definition.parseParams(merged);
  } catch (err) {
    const where = Object.keys(overrides).length > 0 ? `${yamlPath} with ${formatOverrides(overrides)}` : yamlPath;
    throw new Error(`${where}: ${(err as Error).message}`);
  }
  return { strategy: definition.create(params), params: merged };
}

/** A strategy's definition (schema + factory) and its YAML parameters as written, unchecked. */
export async function loadStrategyDefinition(
  name: string,
  configDir = CONFIG_DIR,
): Promise<{ definition: StrategyDefinition<unknown>; raw: Record<string, unknown>; yamlPath: string }> {
  // raw is whatever the YAML holds (the schema refuses a non-object); typed as a record for merging.
  // A name is checked before it becomes a path; either way the user gets the valid names.
  const modulePath = strategyModulePath(name);
  if (!STRATEGY_NAME.test(name) || !existsSync(modulePath)) throw unknownStrategy(name, configDir);
  const mod = (await import(modulePath)) as { definition?: StrategyDefinition<unknown> };
  // strategy.ts and the phase machine live beside the strategies but are not strategies.
  if (mod.definition === undefined) throw unknownStrategy(name, configDir);
  const yamlPath = join(configDir, 'strategies', `${name}.yaml`);
  const raw = readYaml(yamlPath);
  return { definition: mod.definition, raw: raw as Record<string, unknown>, yamlPath: relative(process.cwd(), yamlPath) || yamlPath };
}

export function formatOverrides(overrides: Record<string, unknown>): string {
  return Object.entries(overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
}

/** A strategy from parameters recorded in a session's config snapshot (not today's YAML): replays stay exact. */
export async function createStrategyFromParams(name: string, rawParams: unknown): Promise<AnyStrategy> {
  const modulePath = join(import.meta.dir, '..', '..', 'machines', 'strategies', `${name.replace(/_/g, '-')}.ts`);
  if (!/^[a-z][a-z0-9_]*$/.test(name) || !existsSync(modulePath)) throw new Error(`no strategy "${name}" in machines/strategies/`);
  const mod = (await import(modulePath)) as { definition?: StrategyDefinition<unknown> };
  if (mod.definition === undefined) throw new Error(`${modulePath}: exports no \`definition\``);
  return mod.definition.create(mod.definition.parseParams(rawParams));
}
