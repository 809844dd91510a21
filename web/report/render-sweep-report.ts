// The sweep report: one self-contained HTML file (uPlot inlined from the installed package, no CDN): the metric
// over every pair of parameters, the top combinations and their equity curves, sensitivity per parameter, the
// deflated Sharpe ratio and PBO with a one-line reading, and the walk-forward table and stitched curve.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SweepReport } from '../../actors/sweep/run-sweep.ts';
import { formatMetric, metricOf } from '../../machines/research/sweep-metric.ts';
import { formatCombination } from '../../machines/research/grid.ts';
import type { Heatmap } from '../../machines/research/sweep-tables.ts';
import { downsampleMinMax, escapeHtml, scriptSafeJson } from './render-report.ts';

const TOP = 10;

export function renderSweepReport(r: SweepReport): string {
  const read = (file: string) => readFileSync(fileURLToPath(import.meta.resolve(`uplot/dist/${file}`)), 'utf8');
  const js = read('uPlot.iife.min.js').replace(/<\/script/gi, '<\\/script');
  const css = read('uPlot.min.css').replace(/<\/style/gi, '<\\/style');
  const day = (ts: number) => new Date(ts).toISOString().slice(0, 10);
  // +∞: a profit factor with no losing trade, a Sortino with no losing period (run-sweep's metricOf).
  const num = (v: number | null | undefined, d = 3) => formatMetric(v, d);
  // The sweep kept the curves of its best CURVES_KEPT combinations only.
  const curves = r.outcomes.flatMap((o) => (o.curve === undefined ? [] : [{ label: formatCombination(o.params), ...downsampleMinMax(Array.from(o.curve.ts, (t) => t / 1000), o.curve.equity) }]));
  const data = {
    curves,
    stitched: r.walkForward ? downsampleMinMax(r.walkForward.stitched.ts.map((t) => t / 1000), r.walkForward.stitched.equity) : null,
  };
  const title = `Sweep of ${r.strategy} on ${r.symbols.join(', ')}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="subtitle">${escapeHtml(`${r.symbols.join(', ')} ${r.timeframe} ${day(r.range.firstTs)} → ${day(r.range.lastTs)} · grid ${r.grid} · ranked by ${r.metric} · ${r.outcomes.length} combinations ${r.queue ? `through the queue at ${r.queue} (sweep:worker processes)` : `on ${r.workers} worker(s)`} in ${(r.elapsedMs / 1000).toFixed(1)} s`)}</p>
<p class="run-id">Sweep ${escapeHtml(r.sweepId)}</p>
${r.skipped.length > 0 ? `<p class="note">Skipped ${r.skipped.length} combination(s) the strategy's schema refuses: ${r.skipped.map((s) => escapeHtml(s)).join('; ')}</p>` : ''}

<section id="overfitting"><h2>Overfitting</h2>${overfitting(r, num)}</section>

<section id="heatmap"><h2>${escapeHtml(r.metric)} over two parameters</h2>
${r.heatmaps.length === 0 ? '<p class="note">One parameter only: see the sensitivity table.</p>' : ''}
${r.heatmaps.length > 1 ? `<label>Parameters <select id="heatmap-pair">${r.heatmaps.map((h, i) => `<option value="${i}">${escapeHtml(`${h.y} × ${h.x}`)}</option>`).join('')}</select></label>` : ''}
${r.heatmaps.map((h, i) => heatmapTable(h, i, num)).join('\n')}
<p class="note">Each cell: mean ${escapeHtml(r.metric)} of the combinations with those two values (other parameters averaged).</p>
</section>

<section id="top"><h2>Top combinations</h2>
<table class="top"><thead><tr><th>#</th><th>parameters</th><th>${escapeHtml(r.metric)}</th>${r.metric === 'sharpe' ? '' : '<th>sharpe</th>'}<th>total return</th><th>max drawdown</th><th>trades</th><th>kept run</th></tr></thead><tbody>
${r.outcomes.slice(0, TOP).map((o, i) => `<tr><td>${i + 1}</td><td class="params">${escapeHtml(formatCombination(o.params))}</td><td>${num(o.metric)}</td>${r.metric === 'sharpe' ? '' : `<td>${num(o.summary.sharpe)}</td>`}<td>${num(o.summary.total_return * 100, 1)}%</td><td>${num(o.summary.max_drawdown * 100, 1)}%</td><td>${o.summary.trades}</td><td>${o.runId ? `<a href="${escapeHtml(`${r.sweepId}/${o.runId}.html`)}">${escapeHtml(o.runId)}</a>` : ''}</td></tr>`).join('\n')}
</tbody></table>
${r.outcomes.slice(0, TOP).some((o) => o.metric === Infinity) ? `<p class="note">∞: ${r.metric === 'sortino' ? 'no losing period' : 'no losing trade'}, ranked above every finite ${escapeHtml(r.metric)}.</p>` : ''}
<h3>Equity of the best ${curves.length}</h3><div id="top-equity" class="chart"></div>
</section>

<section id="sensitivity"><h2>Sensitivity</h2>
<p class="note">Mean, min and max of ${escapeHtml(r.metric)} for each value of one parameter over all the others; a wide swing of the mean means the result hangs on that parameter.</p>
${r.sensitivity.map((s) => {
  // Scaled to the largest finite mean; an unbounded (∞) one fills its cell, the finite ones then up to 85 %.
  const max = Math.max(...s.rows.map((row) => (row.mean !== null && Number.isFinite(row.mean) ? Math.abs(row.mean) : 0)), 1e-12);
  const finiteScale = s.rows.some((row) => row.mean !== null && !Number.isFinite(row.mean)) ? 85 : 100;
  const width = (mean: number | null) => (mean !== null && !Number.isFinite(mean) ? 100 : (Math.abs(mean ?? 0) / max) * finiteScale);
  return `<h3>${escapeHtml(s.parameter)} <span class="note">(range of means ${num(s.range)})</span></h3>
<table class="sensitivity" data-parameter="${escapeHtml(s.parameter)}"><thead><tr><th>value</th><th>mean</th><th>min</th><th>max</th><th></th></tr></thead><tbody>
${s.rows.map((row) => `<tr><td>${escapeHtml(row.value)}</td><td>${num(row.mean)}</td><td>${num(row.min)}</td><td>${num(row.max)}</td><td class="bar-cell"><div class="bar ${(row.mean ?? 0) < 0 ? 'neg' : 'pos'}" style="width:${width(row.mean).toFixed(1)}%"></div></td></tr>`).join('')}
</tbody></table>`;
}).join('\n')}
</section>

${r.walkForward ? walkForward(r, num, day) : ''}

<script type="application/json" id="report-data">${scriptSafeJson(data)}</script>
<script>${js}</script>
<script>${CLIENT}</script>
</body>
</html>
`;
}

function overfitting(r: SweepReport, num: (v: number | null | undefined, d?: number) => string): string {
  const rows: string[] = [];
  if (r.deflated) {
    const d = r.deflated;
    const reading =
      d.deflatedSharpe >= 0.95
        ? 'the best combination\'s Sharpe is very likely real, even after counting every combination tried.'
        : d.deflatedSharpe >= 0.5
          ? 'more likely than not above what luck gives the best of this many tries, but not conclusive.'
          : 'the best combination\'s Sharpe is about what the best of this many tries reaches by luck alone.';
    rows.push(`<tr id="dsr"><th>Deflated Sharpe ratio</th><td>${num(d.deflatedSharpe)}</td><td>Probability that the best combination's true Sharpe beats ${num(d.expectedMaxSharpe, 4)} per bar, the best that ${d.trials} trials reach by luck (its own ${num(d.sharpe, 4)} per bar over ${d.observations} returns, skew ${num(d.skew, 2)}, kurtosis ${num(d.kurtosis, 2)}): ${reading}</td></tr>`);
  }
  if (r.pbo) {
    const p = r.pbo;
    const reading =
      p.pbo > 0.5
        ? 'picking the in-sample best is worse than a coin flip out of sample: the ranking is mostly noise.'
        : p.pbo > 0.2
          ? 'the in-sample best often disappoints out of sample: treat the ranking with caution.'
          : 'the in-sample best usually stays above the median out of sample.';
    rows.push(`<tr id="pbo"><th>Probability of backtest overfitting</th><td>${num(p.pbo)}</td><td>Share of the ${p.splits} CSCV splits (${p.blocks} blocks of ${p.rowsPerBlock} bars) in which the in-sample best ranks at or below the median out of sample: ${reading}</td></tr>`);
  }
  return rows.length === 0 ? '<p class="note">Needs at least two combinations.</p>' : `<table class="measures">${rows.join('')}</table>`;
}

function heatmapTable(h: Heatmap, index: number, num: (v: number | null | undefined, d?: number) => string): string {
  // The scale spans the finite cells; an unbounded (+∞) cell takes its top colour.
  const values = h.cells.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const colour = (v: number | null) => {
    if (v === null) return '#f3f4f6';
    const t = v === Infinity ? 1 : v === -Infinity ? 0 : hi > lo ? (v - lo) / (hi - lo) : 0.5;
    return `hsl(${Math.round(t * 120)}, 70%, ${Math.round(85 - 25 * Math.abs(t - 0.5))}%)`;
  };
  return `<table class="heatmap" data-pair="${index}" data-x="${escapeHtml(h.x)}" data-y="${escapeHtml(h.y)}"${index > 0 ? ' hidden' : ''}>
<thead><tr><th>${escapeHtml(h.y)} \\ ${escapeHtml(h.x)}</th>${h.xValues.map((x) => `<th>${escapeHtml(x)}</th>`).join('')}</tr></thead><tbody>
${h.yValues.map((y, yi) => `<tr><th>${escapeHtml(y)}</th>${h.cells[yi]!.map((v) => `<td style="background:${colour(v)}">${num(v)}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>`;
}

function walkForward(r: SweepReport, num: (v: number | null | undefined, d?: number) => string, day: (ts: number) => string): string {
  const wf = r.walkForward!;
  return `<section id="walk-forward"><h2>Walk-forward (${escapeHtml(wf.spec)})</h2>
<p class="note">Each window: the grid optimised on the training years by ${escapeHtml(r.metric)}, the chosen parameters traded on the next test window from fresh capital (warm-up inside the window); the test windows' equity chained into one out-of-sample curve.</p>
<table class="walk-forward"><thead><tr><th>window</th><th>train</th><th>test</th><th>chosen</th><th>in-sample ${escapeHtml(r.metric)}</th><th>out-of-sample ${escapeHtml(r.metric)}</th><th>out-of-sample return</th></tr></thead><tbody>
${wf.rows.map((row) => `<tr><td>${row.window.index + 1}</td><td>${day(row.window.trainFrom)} → ${day(row.window.trainTo - 1)}</td><td>${day(row.window.testFrom)} → ${day(row.window.testTo - 1)}</td><td class="params">${escapeHtml(formatCombination(row.chosen))}</td><td>${num(row.inSampleMetric)}</td><td>${num(row.outOfSampleMetric)}</td><td>${num(row.outOfSample.total_return * 100, 1)}%</td></tr>`).join('\n')}
</tbody><tfoot><tr><th colspan="5">stitched out of sample</th><td>${num(metricOf(wf.outOfSample, r.metric))}</td><td>${num(wf.outOfSample.total_return * 100, 1)}%</td></tr></tfoot></table>
<h3>Stitched out-of-sample equity</h3><div id="stitched-equity" class="chart"></div>
</section>`;
}

const CSS = `
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #111827; }
h1 { margin-bottom: 4px; } .subtitle, .run-id, .note { color: #6b7280; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { padding: 3px 8px; text-align: right; border-bottom: 1px solid #f3f4f6; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.params, .measures td:last-child { text-align: left; white-space: normal; }
.measures th { text-align: left; }
.bar-cell { width: 240px; } .bar { height: 10px; } .bar.pos { background: #16a34a; } .bar.neg { background: #dc2626; }
.chart { min-height: 300px; }
`;

// Static: reads its data from the JSON block, so nothing from the sweep is interpolated into code.
const CLIENT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var palette = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c'];
  function plot(id, curves) {
    var el = document.getElementById(id);
    if (!el || curves.length === 0) return;
    var xs = Array.from(new Set(curves.flatMap(function (c) { return c.x; }))).sort(function (a, b) { return a - b; });
    var cols = curves.map(function (c) {
      var m = new Map(c.x.map(function (x, i) { return [x, c.y[i]]; }));
      return xs.map(function (x) { return m.has(x) ? m.get(x) : null; });
    });
    // The y axis as wide as the dashboard's: six-figure equity labels must not be cut on the left.
    new uPlot({ width: Math.max(320, el.clientWidth || 1000), height: 300, spanGaps: true, axes: [{}, { size: 80 }],
      series: [{}].concat(curves.map(function (c, i) { return { label: c.label, stroke: palette[i % palette.length], width: 1.5 }; })) },
      [xs].concat(cols), el);
  }
  plot('top-equity', data.curves);
  if (data.stitched) plot('stitched-equity', [{ label: 'out of sample', x: data.stitched.x, y: data.stitched.y }]);
  var select = document.getElementById('heatmap-pair');
  if (select) select.addEventListener('change', function () {
    document.querySelectorAll('table.heatmap').forEach(function (t) { t.hidden = t.dataset.pair !== select.value; });
  });
  document.body.dataset.chartsReady = 'true';
})();
`;
