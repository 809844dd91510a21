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
  // uPlot pads a flat series to [0, 2v], or [0, 100] when v is 0: a drawdown that never left 0 read as 0%..10000%.
  var yRange = function (u, min, max) {
    if (min == null) return [null, null];
    if (min !== max) return uPlot.rangeNum(min, max, 0.1, true);
    var pad = percent ? 0.01 : Math.max(Math.abs(min) * 0.01, 1);
    return [min - pad, max + pad];
  };
  var opts = {
    width: Math.max(320, el.clientWidth || 900),
    height: height,
    scales: { x: { time: true }, y: { range: yRange } },
    series: [{}, line],
    axes: [{}, percent ? { values: pctAxis, size: 70 } : { size: 80 }]
  };
  return { el: el, plot: new uPlot(opts, [xs, ys], el) };
};
