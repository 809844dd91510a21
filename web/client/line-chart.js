// One uPlot line chart (time on x): shared by the dashboard and, inlined, by the backtest report.
// Returns { el, plot } or null when the element is missing.
window.qsLineChart = function (el, label, xs, ys, style, height, percent) {
  if (!el) return null;
  var pctAxis = function (u, values) {
    return values.map(function (v) { return v == null ? '' : (v * 100).toFixed(1) + '%'; });
  };
  // Keys are only added when set: uPlot merges options with Object.assign, so an undefined would erase its default.
  var line = { label: label, stroke: style.stroke, width: 1.5 };
  if (style.fill) { line.fill = style.fill; line.fillTo = 0; }
  if (percent) line.value = function (u, v) { return v == null ? '' : (v * 100).toFixed(2) + '%'; };
  var opts = {
    width: Math.max(320, el.clientWidth || 900),
    height: height,
    scales: { x: { time: true } },
    series: [{}, line],
    axes: [{}, percent ? { values: pctAxis, size: 70 } : { size: 80 }]
  };
  return { el: el, plot: new uPlot(opts, [xs, ys], el) };
};
