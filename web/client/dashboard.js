// Dashboard glue, served as is (no build step): draws the equity and drawdown charts from the JSON the page
// carries, appends the points the live stream (or, when it is down, a 5-second poll) brings, and tells
// htmx to skip the panel polls while the stream is connected.
(function () {
  'use strict';
  var live = false;
  var connectionText = 'connecting…';
  // Only a running run can be "live": a finished or failed one says so, whatever the stream is doing (it
  // stays open, so a run that is still being written shows up as it changes).
  function showStatus() {
    var el = document.getElementById('live-status');
    var header = document.querySelector('#run-header [data-status]');
    var status = header ? header.getAttribute('data-status') : 'running';
    document.body.dataset.runStatus = status;
    if (el) el.textContent = status === 'running' ? connectionText : status.replace(/-/g, ' ');
  }
  function setLive(value, text) {
    live = value;
    connectionText = text;
    document.body.dataset.live = value ? 'connected' : 'polling';
    showStatus();
  }
  document.body.addEventListener('htmx:afterSwap', showStatus);
  showStatus();

  document.body.addEventListener('htmx:beforeRequest', function (evt) {
    var elt = evt.detail && evt.detail.elt;
    if (live && elt && elt.hasAttribute && elt.hasAttribute('data-poll')) evt.preventDefault();
  });
  document.body.addEventListener('htmx:sseOpen', function (evt) {
    setLive(true, 'live');
    var source = evt.detail && evt.detail.source;
    if (source && !source.__qsCharts) {
      source.__qsCharts = true;
      source.addEventListener('equity', function (e) { charts && charts.append(JSON.parse(e.data)); });
    }
  });
  document.body.addEventListener('htmx:sseError', function () { setLive(false, 'reconnecting… (polling every 5 s)'); });
  document.body.addEventListener('htmx:sseClose', function () { setLive(false, 'polling every 5 s'); });

  var charts = null;
  var dataEl = document.getElementById('chart-data');
  if (dataEl) charts = drawCharts(JSON.parse(dataEl.textContent));

  function drawCharts(data) {
    var x = data.equity.x.slice(), equity = data.equity.y.slice();
    var ddX = data.drawdown.x.slice(), drawdown = data.drawdown.y.slice();
    var lastSeq = data.lastSeq;
    function make(id, label, xs, ys, style, height, percent) {
      return window.qsLineChart(document.getElementById(id), label, xs, ys, style, height, percent);
    }
    var eq = make('equity-chart', 'Equity', x, equity, { stroke: '#2563eb' }, 300, false);
    var dd = make('drawdown-chart', 'Drawdown', ddX, drawdown, { stroke: '#dc2626', fill: 'rgba(220, 38, 38, 0.15)' }, 180, true);
    window.addEventListener('resize', function () {
      [eq, dd].forEach(function (c) { if (c) c.plot.setSize({ width: Math.max(320, c.el.clientWidth || 900), height: c.plot.height }); });
    });
    document.body.dataset.chartsReady = 'true';
    document.body.dataset.equityPoints = String(x.length);

    function append(delta) {
      if (!delta || delta.lastSeq <= lastSeq) return;
      if (delta.after !== lastSeq) { fetchDelta(); return; }
      for (var i = 0; i < delta.x.length; i++) {
        x.push(delta.x[i]); equity.push(delta.equity[i]);
        ddX.push(delta.x[i]); drawdown.push(delta.drawdown[i]);
      }
      lastSeq = delta.lastSeq;
      // The plots keep their instances and scales; only the series arrays grew.
      if (eq) eq.plot.setData([x, equity]);
      if (dd) dd.plot.setData([ddX, drawdown]);
      document.body.dataset.equityPoints = String(x.length);
    }
    var fetching = false;
    function fetchDelta() {
      if (fetching) return;
      fetching = true;
      fetch(data.dataUrl + '?after=' + encodeURIComponent(lastSeq), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (delta) { fetching = false; append(delta); })
        .catch(function () { fetching = false; });
    }
    setInterval(function () { if (!live) fetchDelta(); }, 5000);
    return { append: append };
  }
})();

// Time travel from the keyboard on the machines page: ← / → step back and forth.
document.addEventListener('keydown', function (evt) {
  var target = evt.target;
  if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable)) return;
  var rel = evt.key === 'ArrowLeft' ? 'prev' : evt.key === 'ArrowRight' ? 'next' : null;
  if (rel === null) return;
  var link = document.querySelector('a[data-rel="' + rel + '"]');
  if (link) { evt.preventDefault(); link.click(); }
});
