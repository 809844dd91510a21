export { Bollinger, type BollingerValue } from './bollinger.ts';
export { RollingStats } from './rolling-stats.ts';
export { Rsi } from './rsi.ts';
export { Sma } from './sma.ts';
export { STD_KINDS, WINDOW_KINDS, type StdKind, type WindowKind } from './window.ts';
