// The backtest report: one HTML file that opens offline (uPlot inlined from the installed package, no CDN).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type EquityPoint, type PerformanceSummary } from '../../machines/metrics/performance.ts';
import { formatAmount } from '../../machines/metrics/money.ts';
import type { RoundTrip } from '../../machines/metrics/round-trips.ts';

export interface ReportInput {
  runId: string;
  title: string;
  /** e.g. "BTC/USD 1d 2016-01-01 → 2024-12-31, prices: raw" */
  generatedFor: string;
  notes: string[];
  summary: PerformanceSummary;
  /** The curve the charts are drawn from; a long run passes `charts` built while streaming instead. */
  equity: EquityPoint[];
  /** Already reduced equity and drawdown series (`ChartStream`); when given, `equity` is not read. */
  charts?: ReportCharts;
  trades: RoundTrip[];
  monthly: { year: number; month: number; ret: number }[];
  config: Record<string, unknown>;
  /** Decimals of each symbol's price step; the trade list prints prices to the tick the market has. */
  priceDecimals?: Record<string, number>;
  /** The strategy's indicator definitions in one line (Strategy.description), shown above the raw configuration. */
  strategyDefinition?: string;
}

export interface ChartSeries {
  /** Seconds since epoch (uPlot's default time unit). */
  x: number[];
  y: number[];
}

/** Above this many points per series the browser spends seconds drawing what no screen can show. */
export const MAX_CHART_POINTS = 5000;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

/** JSON that is safe inside a <script> element: no `<` can close the tag or open a comment. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Reduces a series to at most ~maxPoints by keeping the min and the max of each bucket (in time order), plus the
 * first and last points, so spikes and the worst drawdown survive the reduction.
 */
export function downsampleMinMax(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints = MAX_CHART_POINTS): ChartSeries {
  const reducer = new MinMaxDownsampler(x.length, maxPoints);
  for (let i = 0; i < x.length; i++) reducer.add(x[i]!, y[i]!);
  return reducer.result();
}

/**
 * `downsampleMinMax` fed one point at a time, for a series whose length is known but which is never held
 * whole: the buckets follow from the length, and each keeps only its running min and max.
 */
export class MinMaxDownsampler {
  private readonly out: ChartSeries = { x: [], y: [] };
  private readonly all: boolean;
  private readonly buckets: number;
  private readonly bucketSize: number;
  private i = 0;
  private bucket = 0;
  private to = 0;
  private minX = 0;
  private minY = 0;
  private minIndex = -1;
  private maxX = 0;
  private maxY = 0;
  private maxIndex = -1;

  constructor(
    private readonly n: number,
    maxPoints = MAX_CHART_POINTS,
  ) {
    this.all = n <= maxPoints;
    this.buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
    this.bucketSize = (n - 2) / this.buckets;
    this.to = this.bucketEnd(0);
  }

  private bucketEnd(b: number): number {
    return Math.min(this.n - 1, 1 + Math.floor((b + 1) * this.bucketSize));
  }

  add(x: number, y: number): void {
    const i = this.i++;
    if (this.all || i === 0 || i === this.n - 1) {
      if (i === this.n - 1 && !this.all) this.closeBucket();
      this.out.x.push(x);
      this.out.y.push(y);
      return;
    }
    while (i >= this.to) {
      this.closeBucket();
      this.bucket++;
      this.to = this.bucketEnd(this.bucket);
    }
    if (this.minIndex < 0) {
      this.minIndex = this.maxIndex = i;
      this.minX = this.maxX = x;
      this.minY = this.maxY = y;
      return;
    }
    if (y < this.minY) {
      this.minIndex = i;
      this.minX = x;
      this.minY = y;
    }
    if (y > this.maxY) {
      this.maxIndex = i;
      this.maxX = x;
      this.maxY = y;
    }
  }

  private closeBucket(): void {
    if (this.minIndex < 0) return;
    const minFirst = this.minIndex <= this.maxIndex;
    this.out.x.push(minFirst ? this.minX : this.maxX);
    this.out.y.push(minFirst ? this.minY : this.maxY);
    if (this.minIndex !== this.maxIndex) {
      this.out.x.push(minFirst ? this.maxX : this.minX);
      this.out.y.push(minFirst ? this.maxY : this.minY);
    }
    this.minIndex = this.maxIndex = -1;
  }

  result(): ChartSeries {
    return this.out;
  }
}

let uplotAssets: { js: string; css: string } | undefined;

function loadUplotAssets(): { js: string; css: string } {
  if (!uplotAssets) {
    const read = (file: string) => readFileSync(fileURLToPath(import.meta.resolve(`uplot/dist/${file}`)), 'utf8');
    uplotAssets = {
      // Neither file contains these today; guard so a future release cannot end our tags early.
      js: read('uPlot.iife.min.js').replace(/<\/script/gi, '<\\/script'),
      css: read('uPlot.min.css').replace(/<\/style/gi, '<\\/style'),
    };
  }
  return uplotAssets;
}

const moneyFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const quantityFormat = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 10 });

export function formatMoney(value: number): string {
  return moneyFormat.format(value);
}

export function formatPct(value: number, digits = 2): string {
  const fixed = (value * 100).toFixed(digits);
  // A tiny loss must not print as "-0.00%".
  return `${Number(fixed) === 0 ? (0).toFixed(digits) : fixed}%`;
}

export function formatSignedPct(value: number, digits = 2): string {
  const text = formatPct(value, digits);
  return Number.parseFloat(text) > 0 ? `+${text}` : text;
}

export function formatRatio(value: number | null, whenNull: string): string {
  return value === null ? whenNull : value.toFixed(2);
}

/** UTC, minute resolution: bars and fills are exchange times in ms UTC. */
export function formatTime(ts: number): string {
  return `${new Date(ts).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

export function signClass(value: number): string {
  if (value > 0) return 'pos';
  if (value < 0) return 'neg';
  return '';
}

/** What the per-trade rows say for a run without a closed trade, as the backtest's printed summary does. */
export const NO_CLOSED_TRADES = '— (no closed trades)';

export function metricsTable(summary: PerformanceSummary): string {
  // Without a closed trade the trade figures are 0 by convention, not measurements: 0.00 would read as a result.
  const closed = summary.trades > 0;
  const tradeFigure = (text: string) => (closed ? text : NO_CLOSED_TRADES);
  const rows: [string, string, string][] = [
    ['start_equity', 'Start equity', formatMoney(summary.start_equity)],
    ['final_equity', 'Final equity', formatMoney(summary.final_equity)],
    ['total_return', 'Total return', formatSignedPct(summary.total_return)],
    ['cagr', 'CAGR', summary.cagr === null ? 'n/a (run too short to annualise)' : formatSignedPct(summary.cagr)],
    ['sharpe', 'Sharpe', formatRatio(summary.sharpe, 'n/a')],
    ['sortino', 'Sortino', formatRatio(summary.sortino, '∞ (no losing periods)')],
    ['max_drawdown', 'Max drawdown', formatPct(summary.max_drawdown)],
    ['calmar', 'Calmar', formatRatio(summary.calmar, 'n/a (CAGR undefined)')],
    ['trades', 'Closed trades', String(summary.trades)],
    ['win_rate', 'Win rate', tradeFigure(formatPct(summary.win_rate, 1))],
    ['profit_factor', 'Profit factor', tradeFigure(formatRatio(summary.profit_factor, '∞ (no losing trades)'))],
    ['expectancy', 'Expectancy per trade', tradeFigure(formatMoney(summary.expectancy))],
    ['exposure', 'Time in market', formatPct(summary.exposure, 1)],
    ['fees', 'Fees paid', formatMoney(summary.fees)],
    ['avg_win', 'Average win', tradeFigure(formatMoney(summary.avg_win))],
    ['avg_loss', 'Average loss', tradeFigure(formatMoney(summary.avg_loss))],
    ['best_trade', 'Best trade', tradeFigure(formatMoney(summary.best_trade))],
    ['worst_trade', 'Worst trade', tradeFigure(formatMoney(summary.worst_trade))],
  ];
  const body = rows
    .map(([key, label, value]) => `<tr data-metric="${escapeHtml(key)}"><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('\n');
  return `<table class="metrics">\n${body}\n</table>`;
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function heatColour(ret: number, scale: number): string {
  if (scale <= 0 || ret === 0) return 'transparent';
  const strength = Math.min(1, Math.abs(ret) / scale);
  const alpha = (0.12 + 0.78 * strength).toFixed(3);
  return ret > 0 ? `rgba(22, 163, 74, ${alpha})` : `rgba(220, 38, 38, ${alpha})`;
}

function heatCell(ret: number | undefined, scale: number, kind: 'month' | 'year'): string {
  if (ret === undefined) return `<td class="empty"></td>`;
  return `<td class="${kind}" data-ret="${escapeHtml(ret)}" style="background:${heatColour(ret, scale)}">${escapeHtml(formatSignedPct(ret, 1))}</td>`;
}

function monthlyHeatmap(monthly: ReportInput['monthly']): string {
  if (monthly.length === 0) return '<p class="empty-note">No monthly data.</p>';
  const byYear = new Map<number, Map<number, number>>();
  for (const { year, month, ret } of monthly) {
    if (!byYear.has(year)) byYear.set(year, new Map());
    byYear.get(year)!.set(month, ret);
  }
  // Chained month-end returns compound to the year-end vs previous year-end return.
  const yearTotals = new Map<number, number>();
  for (const [year, months] of byYear) {
    let growth = 1;
    for (const ret of months.values()) growth *= 1 + ret;
    yearTotals.set(year, growth - 1);
  }
  // Months and years get separate colour scales: a year's total would otherwise wash out every month.
  const monthScale = monthly.reduce((max, row) => Math.max(max, Math.abs(row.ret)), 0);
  const yearScale = [...yearTotals.values()].reduce((max, ret) => Math.max(max, Math.abs(ret)), 0);
  const header = `<tr><th>Year</th>${MONTH_NAMES.map((name) => `<th>${name}</th>`).join('')}<th>Year</th></tr>`;
  const rows = [...byYear.keys()]
    .sort((a, b) => a - b)
    .map((year) => {
      const months = byYear.get(year)!;
      const cells = MONTH_NAMES.map((_, i) => heatCell(months.get(i + 1), monthScale, 'month')).join('');
      return `<tr data-year="${escapeHtml(year)}"><th>${escapeHtml(year)}</th>${cells}${heatCell(yearTotals.get(year), yearScale, 'year')}</tr>`;
    });
  return `<table class="heatmap">\n<thead>${header}</thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

/** A price to its market's tick (`12.3` → `12.3000` for a 0.0001 tick); unknown markets keep their digits. */
export function formatTradePrice(price: number, decimals: number | undefined): string {
  return decimals === undefined ? quantityFormat.format(price) : formatAmount(price, decimals);
}

/** Above this many round trips the table shows the first and last halves; the run DB keeps every fill. */
export const MAX_REPORT_TRADES = 5000;

function tradeTable(trades: RoundTrip[], priceDecimals: Record<string, number> = {}): string {
  if (trades.length === 0) return '<p class="empty-note">No trades.</p>';
  const half = MAX_REPORT_TRADES / 2;
  const hidden = trades.length > MAX_REPORT_TRADES ? trades.length - MAX_REPORT_TRADES : 0;
  const header =
    '<tr><th>#</th><th>Symbol</th><th>Direction</th><th>Entry time</th><th>Exit time</th><th>Qty</th>' +
    '<th>Entry price</th><th>Exit price</th><th>PnL</th><th>Return</th><th>Fees</th><th>Status</th></tr>';
  const row = (trip: RoundTrip, i: number) => {
    const cells = [
      String(i + 1),
      trip.symbol,
      trip.direction,
      formatTime(trip.entryTs),
      trip.exitTs === null ? '—' : formatTime(trip.exitTs),
      quantityFormat.format(trip.qty),
      formatTradePrice(trip.entryPrice, priceDecimals[trip.symbol]),
      formatTradePrice(trip.exitPrice, priceDecimals[trip.symbol]),
    ].map((text) => `<td>${escapeHtml(text)}</td>`);
    cells.push(`<td class="${signClass(trip.pnl)}">${escapeHtml(formatMoney(trip.pnl))}</td>`);
    cells.push(`<td class="${signClass(trip.returnPct)}">${escapeHtml(formatSignedPct(trip.returnPct))}</td>`);
    cells.push(`<td>${escapeHtml(formatMoney(trip.fees))}</td>`);
    // An open trip's exit price and pnl are a mark to market, not a realised result.
    cells.push(`<td>${trip.open ? '<span class="open">open (marked)</span>' : 'closed'}</td>`);
    return `<tr${trip.open ? ' class="open-trip"' : ''}>${cells.join('')}</tr>`;
  };
  const rows =
    hidden === 0
      ? trades.map(row)
      : [
          ...trades.slice(0, half).map(row),
          `<tr><td colspan="12">… ${escapeHtml(hidden.toLocaleString('en-US'))} more trades: every fill is in the run database …</td></tr>`,
          ...trades.slice(trades.length - half).map((trip, i) => row(trip, trades.length - half + i)),
        ];
  return `<table class="trades">\n<thead>${header}</thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

function configJson(config: Record<string, unknown>): string {
  const text = JSON.stringify(config, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2);
  return text ?? '{}';
}

export type ReportCharts = { equity: ChartSeries; drawdown: ChartSeries };

export function chartData(equity: EquityPoint[]): ReportCharts {
  const charts = new ChartStream(equity.length);
  for (const point of equity) charts.add(point);
  return charts.result();
}

/** The report's equity and drawdown series from points streamed in order (`count` of them in all). */
export class ChartStream {
  private readonly equity: MinMaxDownsampler;
  private readonly drawdown: MinMaxDownsampler;
  private peak = Number.NEGATIVE_INFINITY;

  constructor(count: number) {
    this.equity = new MinMaxDownsampler(count);
    this.drawdown = new MinMaxDownsampler(count);
  }

  add(point: EquityPoint): void {
    const seconds = point.ts / 1000;
    // Drawdown is computed on every point before reducing, so the reduction cannot hide the worst one.
    this.peak = Math.max(this.peak, point.equity);
    this.equity.add(seconds, point.equity);
    this.drawdown.add(seconds, this.peak > 0 ? point.equity / this.peak - 1 : 0);
  }

  result(): ReportCharts {
    return { equity: this.equity.result(), drawdown: this.drawdown.result() };
  }
}

const REPORT_CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px; padding: 16px 24px; color: #111827; }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
.subtitle { color: #4b5563; margin: 0; }
.run-id { color: #6b7280; font-size: 12px; margin: 2px 0 0; }
table { border-collapse: collapse; }
th, td { padding: 3px 8px; text-align: right; border-bottom: 1px solid #f3f4f6; white-space: nowrap; }
th { font-weight: 600; }
.metrics th { text-align: left; }
.heatmap td { min-width: 52px; font-variant-numeric: tabular-nums; }
.heatmap td.year { font-weight: 600; border-left: 2px solid #d1d5db; }
.trades-wrap { max-height: 600px; overflow: auto; }
.trades td { font-variant-numeric: tabular-nums; }
.pos { color: #15803d; }
.neg { color: #b91c1c; }
.open { color: #b45309; font-weight: 600; }
.chart { min-height: 200px; }
.empty-note { color: #6b7280; }
pre { background: #f9fafb; padding: 12px; overflow: auto; }
`;

// Static: reads its data from the JSON block, so nothing from the run is ever interpolated into code.
const CLIENT_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  function draw(id, label, series, style, height, percent) {
    var el = document.getElementById(id);
    if (series.x.length === 0) { el.textContent = 'No data.'; return null; }
    return window.qsLineChart(el, label, series.x, series.y, style, height, percent);
  }
  var charts = [
    draw('equity-chart', 'Equity', data.equity, { stroke: '#2563eb' }, 320, false),
    draw('drawdown-chart', 'Drawdown', data.drawdown, { stroke: '#dc2626', fill: 'rgba(220, 38, 38, 0.15)' }, 200, true)
  ].filter(Boolean);
  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.plot.setSize({ width: Math.max(320, c.el.clientWidth || 900), height: c.plot.height }); });
  });
  document.body.dataset.chartsReady = 'true';
})();
`;

let lineChart: string | undefined;
/** The dashboard's chart helper, inlined so the report stays one self-contained file. */
function lineChartScript(): string {
  lineChart ??= readFileSync(fileURLToPath(new URL('../client/line-chart.js', import.meta.url)), 'utf8');
  return lineChart;
}

export function renderReport(input: ReportInput): string {
  const { js, css } = loadUplotAssets();
  const notes = input.notes.length
    ? `<ul class="notes">${input.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>${css}</style>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(input.title)}</h1>
<p class="subtitle">${escapeHtml(input.generatedFor)}</p>
<p class="run-id">Run ${escapeHtml(input.runId)}</p>
${notes}
</header>
<section id="metrics"><h2>Performance</h2>
${metricsTable(input.summary)}
</section>
<section><h2>Equity</h2><div id="equity-chart" class="chart"></div></section>
<section><h2>Drawdown</h2><div id="drawdown-chart" class="chart"></div></section>
<section id="monthly"><h2>Monthly returns</h2>
${monthlyHeatmap(input.monthly)}
</section>
<section id="trades"><h2>Trades (${escapeHtml(input.trades.length)})</h2>
<div class="trades-wrap">
${tradeTable(input.trades, input.priceDecimals)}
</div>
</section>
<section id="config"><h2>Configuration</h2>
${input.strategyDefinition === undefined ? '' : `<p class="strategy-definition">Strategy definition: ${escapeHtml(input.strategyDefinition)}</p>`}
<details><summary>Run configuration (JSON)</summary><pre>${escapeHtml(configJson(input.config))}</pre></details>
</section>
<script type="application/json" id="report-data">${scriptSafeJson(input.charts ?? chartData(input.equity))}</script>
<script>${js}</script>
<script>${lineChartScript()}
${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
