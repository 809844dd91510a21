import { describe, expect, test } from 'bun:test';
import { computePerformance, type EquityPoint } from '../../../machines/metrics/performance.ts';
import type { RoundTrip } from '../../../machines/metrics/round-trips.ts';
import {
  chartData,
  downsampleMinMax,
  escapeHtml,
  renderReport,
  scriptSafeJson,
  type ReportInput,
} from '../../../web/report/render-report.ts';

const HOSTILE = '<script>alert(1)</script>';
const DAY = 86_400_000;

function trip(symbol: string, pnl: number, open = false): RoundTrip {
  return {
    symbol,
    direction: 'long',
    entryTs: Date.UTC(2023, 10, 20),
    exitTs: open ? null : Date.UTC(2023, 11, 5),
    qty: 1.5,
    entryPrice: 100,
    exitPrice: 100 + pnl / 1.5,
    pnl,
    returnPct: pnl / 150,
    fees: 0.3,
    open,
  };
}

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  const equity: EquityPoint[] = [100, 110, 99, 120].map((value, i) => ({
    ts: Date.UTC(2023, 10, 15) + i * 30 * DAY,
    equity: value,
    grossExposure: i % 2 ? 50 : 0,
  }));
  const trades = [trip('BTC/USD', 12), trip(HOSTILE, 6), trip('ETH/USD', 3, true)];
  return {
    runId: 'run-42',
    title: 'SMA cross on BTC',
    generatedFor: 'BTC/USD 1d 2023-11-15 → 2024-02-12, prices: raw',
    notes: ['Fees at 10 bps'],
    summary: computePerformance({ equity, trades, fees: 0.9, periodsPerYear: 365 }),
    equity,
    trades,
    monthly: [
      { year: 2023, month: 11, ret: 0.05 },
      { year: 2023, month: 12, ret: -0.1 },
      { year: 2024, month: 1, ret: 0.2 },
    ],
    config: { strategy: 'sma_cross', fast: 10, slow: 30 },
    ...overrides,
  };
}

function dataBlock(html: string): unknown {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(match).not.toBeNull();
  return JSON.parse(match![1]!);
}

describe('renderReport', () => {
  test('shows the metrics formatted as percentages, ratios and money', () => {
    const html = renderReport(input());
    expect(html).toContain('<tr data-metric="total_return"><th>Total return</th><td>+20.00%</td></tr>');
    expect(html).toContain('<tr data-metric="max_drawdown"><th>Max drawdown</th><td>-10.00%</td></tr>');
    expect(html).toContain('<tr data-metric="final_equity"><th>Final equity</th><td>120.00</td></tr>');
    expect(html).toContain('<tr data-metric="win_rate"><th>Win rate</th><td>100.0%</td></tr>');
    expect(html).toContain('<tr data-metric="profit_factor"><th>Profit factor</th><td>∞ (no losing trades)</td></tr>');
    expect(html).toContain('<tr data-metric="exposure"><th>Time in market</th><td>50.0%</td></tr>');
  });

  test('inlines uPlot and loads nothing from anywhere else', () => {
    const html = renderReport(input());
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link[^>]*href=/i);
    expect(html).toContain('.uplot');
    expect(html).toContain('var uPlot=');
    expect(html).toContain('id="equity-chart"');
    expect(html).toContain('id="drawdown-chart"');
  });

  test('escapes hostile strings in every place data is rendered', () => {
    const html = renderReport(
      input({
        title: HOSTILE,
        runId: `"><img src=x onerror=alert(1)>`,
        generatedFor: HOSTILE,
        notes: [HOSTILE],
        config: { symbol: HOSTILE, note: '</script><script>alert(2)</script>' },
      }),
    );
    expect(html).not.toContain('alert(1)</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    // The uPlot library, the data block and the chart code: nothing else may open a script.
    expect(html.match(/<script/gi)).toHaveLength(3);
  });

  test('the chart data block parses as JSON with x in epoch seconds and the full-resolution drawdown', () => {
    const data = dataBlock(renderReport(input())) as { equity: { x: number[]; y: number[] }; drawdown: { x: number[]; y: number[] } };
    expect(data.equity.x[0]).toBe(Date.UTC(2023, 10, 15) / 1000);
    expect(data.equity.y).toEqual([100, 110, 99, 120]);
    expect(Math.min(...data.drawdown.y)).toBeCloseTo(-0.1, 12);
  });

  test('JSON for a script block escapes `<` so a string cannot close the tag, and still parses to the same value', () => {
    const value = { symbol: '</script><!-- x', line: 'a\u2028b' };
    const json = scriptSafeJson(value);
    expect(json).not.toContain('<');
    expect(json).not.toContain('\u2028');
    expect(JSON.parse(json)).toEqual(value);
  });

  test('the monthly heatmap has one row per year, empty cells for missing months and a compounded year total', () => {
    const html = renderReport(input());
    const row2023 = /<tr data-year="2023">([\s\S]*?)<\/tr>/.exec(html)![1]!;
    expect(row2023.match(/<td class="empty"><\/td>/g)).toHaveLength(10);
    expect(row2023).toContain('data-ret="0.05"');
    expect(row2023).toContain('>+5.0%</td>');
    expect(row2023).toContain('>-10.0%</td>');
    const yearTotal = Number(/<td class="year" data-ret="([^"]+)"/.exec(row2023)![1]);
    expect(yearTotal).toBeCloseTo(1.05 * 0.9 - 1, 12);
    expect(row2023).toContain('rgba(220, 38, 38');
    const row2024 = /<tr data-year="2024">([\s\S]*?)<\/tr>/.exec(html)![1]!;
    expect(row2024.match(/<td class="empty"><\/td>/g)).toHaveLength(11);
    expect(row2024).toContain('rgba(22, 163, 74');
  });

  test('a long trade list shows its first and last 2,500 trips and says how many are left out', () => {
    const trip = input().trades.find((t) => !t.open)!;
    const trades = Array.from({ length: 6001 }, (_, i) => ({ ...trip, qty: i + 1 }));
    const html = renderReport(input({ trades }));
    expect(html).toContain('<h2>Trades (6001)</h2>');
    expect(html).toContain('… 1,001 more trades: every fill is in the run database …');
    expect(html.match(/<tr><td>\d+<\/td>/g)).toHaveLength(5000);
    expect(html).toContain('<tr><td>2500</td>');
    expect(html).not.toContain('<tr><td>2501</td>');
    expect(html).toContain('<tr><td>3502</td>');
    expect(html).toContain('<tr><td>6001</td>');
  });

  test('a return that rounds to zero prints without a sign', () => {
    const html = renderReport(input({ monthly: [{ year: 2024, month: 1, ret: -0.00001 }] }));
    expect(html).toContain('>0.0%</td>');
    expect(html).not.toContain('-0.0%');
  });

  test('the trade list shows each trip with an open flag for marked positions', () => {
    const html = renderReport(input());
    expect(html).toContain('<h2>Trades (3)</h2>');
    expect(html).toContain('<td>2023-11-20 00:00Z</td><td>2023-12-05 00:00Z</td><td>1.5</td>');
    expect(html.match(/<tr class="open-trip">/g)).toHaveLength(1);
    expect(html).toContain('<td class="pos">12.00</td><td class="pos">+8.00%</td>');
  });

  test('the trade list prints prices to each market\'s tick, not to float noise', () => {
    const noisy: RoundTrip = { ...trip('ORCL', 0), entryPrice: 12.345678901, exitPrice: 12.3 };
    const btc: RoundTrip = { ...trip('BTC/USD', 0), entryPrice: 43210.5, exitPrice: 0.1 + 0.2 };
    const html = renderReport(input({ trades: [noisy, btc], priceDecimals: { ORCL: 4, 'BTC/USD': 2 } }));
    expect(html).toContain('<td>12.3457</td><td>12.3000</td>');
    expect(html).toContain('<td>43,210.50</td><td>0.30</td>');
  });

  test('the configuration is shown as collapsible JSON', () => {
    const html = renderReport(input());
    expect(html).toContain('<details><summary>Run configuration (JSON)</summary><pre>{\n  &quot;strategy&quot;: &quot;sma_cross&quot;');
  });

  test("the configuration section states the strategy's definition, escaped, above the JSON", () => {
    const html = renderReport(input({ strategyDefinition: 'z = (close − mean) / std over the 20 bars <before> this one' }));
    const section = html.slice(html.indexOf('<section id="config">'), html.indexOf('</section>', html.indexOf('<section id="config">')));
    expect(section).toContain('<p class="strategy-definition">Strategy definition: z = (close − mean) / std over the 20 bars &lt;before&gt; this one</p>');
    expect(section.indexOf('strategy-definition')).toBeLessThan(section.indexOf('<details>'));
  });

  test('an empty run renders without trades or months', () => {
    const html = renderReport(
      input({ equity: [], trades: [], monthly: [], summary: computePerformance({ equity: [], trades: [], fees: 0, periodsPerYear: 365 }) }),
    );
    expect(html).toContain('No trades.');
    expect(html).toContain('No monthly data.');
    expect(dataBlock(html)).toEqual({ equity: { x: [], y: [] }, drawdown: { x: [], y: [] } });
  });
});

describe('chart downsampling', () => {
  test('100k equity points become at most 5000 per series and keep the worst drawdown and both ends', () => {
    const equity: EquityPoint[] = Array.from({ length: 100_000 }, (_, i) => ({
      ts: i * 60_000,
      equity: 1000 + 50 * Math.sin(i / 700) + (i === 63_217 ? -400 : 0),
      grossExposure: 0,
    }));
    const { equity: equitySeries, drawdown } = chartData(equity);
    expect(equitySeries.x.length).toBeLessThanOrEqual(5000);
    expect(drawdown.x.length).toBeLessThanOrEqual(5000);
    expect(drawdown.x).toContain((63_217 * 60_000) / 1000);
    expect(equitySeries.y).toContain(equity[63_217]!.equity);
    expect(equitySeries.x[0]).toBe(0);
    expect(equitySeries.x.at(-1)).toBe((99_999 * 60_000) / 1000);
    for (let i = 1; i < drawdown.x.length; i++) expect(drawdown.x[i]! > drawdown.x[i - 1]!).toBe(true);
  });

  test('a series under the limit is kept whole', () => {
    expect(downsampleMinMax([1, 2, 3], [5, 4, 6])).toEqual({ x: [1, 2, 3], y: [5, 4, 6] });
  });

  test('min and max of each bucket survive in time order', () => {
    // 2 + 2 buckets of 4: [1..4] has max 9 at 2 and min 0 at 4; [5..8] has min -3 at 5 and max 7 at 8.
    const x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const y = [5, 5, 9, 5, 0, -3, 5, 5, 7, 5];
    expect(downsampleMinMax(x, y, 6)).toEqual({ x: [0, 2, 4, 5, 8, 9], y: [5, 9, 0, -3, 7, 5] });
  });
});

describe('escapeHtml', () => {
  test('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
