// Plain data shared by the pure rules and the pipeline messages. No behaviour here.

export type MarketKind = 'crypto' | 'stock';
export type Side = 'buy' | 'sell';

/** A closed candle. `ts` is the bar's open time, `closeTs` the moment it closed (exchange time, ms UTC). */
export interface Bar {
  symbol: string;
  timeframe: string;
  ts: number;
  closeTs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Trading rules of one instrument: where orders are rounded and what the venue accepts. */
export interface Market {
  symbol: string;
  kind: MarketKind;
  exchange: string;
  /** Quantity increment (CCXT `precision.amount` as a step, Alpaca: 1 for whole shares). */
  amountStep: number;
  /** Price increment (tick size). */
  priceStep: number;
  minQty: number;
  minNotional: number;
}

/** Cost model of a venue, used by the simulated executor. */
export interface CostModel {
  slippageBps: number;
  commissionBps: number;
  commissionPerShare: number;
  minCommission: number;
  /** Most of a bar's volume one order may take at its open (0.1 = 10%); absent or 0 = no limit. */
  maxVolumeParticipation?: number;
}

export type SignalAction = 'BUY' | 'SELL' | 'CLOSE';
export type RiskLayer = 'position' | 'symbol' | 'portfolio' | 'system';
export type OrderType = 'market' | 'limit' | 'stop';
export type OrderPurpose = 'entry' | 'exit' | 'stop_loss' | 'take_profit';
export type OrderStatus = 'accepted' | 'filled' | 'cancelled' | 'rejected';
