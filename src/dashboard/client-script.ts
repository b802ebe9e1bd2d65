/**
 * The dashboard's browser script, served as `/dashboard/app.js`. Plain ES2020 in a string (the build emits no
 * browser bundle); no template literals inside, and data only ever reaches the page through textContent.
 * It polls `/v1/stats` for the figures and `/v1/stats/series` for the charts: the history comes from the ledger
 * (the selected window's buckets, or the whole history for "All time"), not from what this page happened to see.
 */
export const DASHBOARD_SCRIPT = String.raw`(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var intervalMs = Math.max(200, Number(params.get('interval')) || 2000);
  var hashKey = new URLSearchParams(location.hash.slice(1)).get('key');
  if (hashKey) { sessionStorage.setItem('thinkgate.key', hashKey); history.replaceState(null, '', location.pathname + location.search); }
  var view = 'cumulative';
  var charts = {};
  var $ = function (id) { return document.getElementById(id); };
  var usd = function (v) { var a = Math.abs(v); return (v < 0 ? '-$' : '$') + (a === 0 ? '0' : a < 0.01 ? a.toFixed(6) : a < 100 ? a.toFixed(4) : a.toFixed(2)); };
  var int = function (v) { return Math.round(v).toLocaleString('en-US'); };
  var pct = function (v) { return (v * 100).toFixed(1) + '%'; };
  var setText = function (id, text, raw) { var el = $(id); el.textContent = text; if (raw !== undefined) el.setAttribute('data-value', String(raw)); };

  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }

  var axisUsd = function (v) { return v === 0 ? '$0' : '$' + Number(v.toPrecision(3)); };
  var axisInt = function (v) { return v >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : v >= 1e4 ? Math.round(v / 1e3) + 'k' : String(Math.round(v)); };

  // Money and token totals start at zero: a y axis starting near the first value would exaggerate every change.
  var fromZero = function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; };

  function chart(id, series, fmt, axisFmt) {
    var host = $(id);
    var opts = {
      width: Math.max(300, host.clientWidth), height: 220, legend: { live: false }, padding: [10, 36, 0, 0],
      scales: { x: { time: true }, y: { range: fromZero } },
      // uPlot's own time labels: they pick the unit (seconds, minutes, days) from the range, so none repeats.
      axes: [{ stroke: '#8b98a5', grid: { stroke: '#263140' }, ticks: { stroke: '#263140' }, space: 90 },
             { stroke: '#8b98a5', grid: { stroke: '#263140' }, ticks: { stroke: '#263140' }, size: 80, values: function (u, vals) { return vals.map(axisFmt); } }],
      series: [{ label: 'time' }].concat(series.map(function (s) { return { label: s.label, stroke: s.color, width: 2, fill: s.fill, value: function (u, v) { return v == null ? '–' : fmt(v); } }; })),
    };
    return new uPlot(opts, [[], []].concat(series.slice(1).map(function () { return []; })), host);
  }

  function ensureCharts() {
    if (charts.cost || typeof uPlot === 'undefined') return;
    charts.cost = chart('chart-cost', [{ label: 'always-reasoning (est.)', color: '#ff7b72', fill: '#ff7b7214' }, { label: 'actual spend', color: '#56d364', fill: '#56d36420' }], usd, axisUsd);
    charts.tokens = chart('chart-tokens', [{ label: 'tokens spent', color: '#4fc3f7', fill: '#4fc3f714' }, { label: 'tokens saved (est.)', color: '#f2cc60', fill: '#f2cc6020' }], int, axisInt);
    window.addEventListener('resize', function () {
      charts.cost.setSize({ width: $('chart-cost').clientWidth, height: 220 });
      charts.tokens.setSize({ width: $('chart-tokens').clientWidth, height: 220 });
    });
  }

  function renderKpis(t, byRoute) {
    setText('kpi-requests', int(t.requests), t.requests);
    var r = byRoute.reasoning ? byRoute.reasoning.requests : 0, d = byRoute.direct ? byRoute.direct.requests : 0;
    setText('kpi-requests-sub', int(r) + ' reasoning · ' + int(d) + ' direct');
    setText('kpi-cost', usd(t.costUsd), t.costUsd);
    setText('kpi-always', usd(t.alwaysReasoningCostUsd), t.alwaysReasoningCostUsd);
    setText('kpi-saved', usd(t.savedCostUsd), t.savedCostUsd);
    setText('kpi-saved-sub', t.alwaysReasoningCostUsd > 0 ? pct(t.savedCostUsd / t.alwaysReasoningCostUsd) + ' of always-reasoning' : '');
    setText('kpi-tokens-saved', int(t.savedTokens), t.savedTokens);
    setText('kpi-tokens-sub', int(t.savedReasoningTokens) + ' reasoning tokens not spent');
    setText('kpi-cache-rate', pct(t.cacheHitRate), t.cacheHitRate);
    setText('kpi-cache-sub', int(t.cacheHits) + ' hits');
    var total = Math.max(1, r + d);
    $('split-reasoning').style.width = (100 * r / total) + '%';
    $('split-direct').style.width = (100 * d / total) + '%';
    setText('route-reasoning', int(r), r); setText('route-direct', int(d), d); setText('route-errors', int(t.errors), t.errors);
    setText('route-aborted', int(t.aborted || 0), t.aborted || 0); setText('route-rejected', int(t.rejected || 0), t.rejected || 0);
  }

  function renderLatency(byRoute) {
    var host = $('latency'); host.textContent = '';
    var max = 1;
    Object.keys(byRoute).forEach(function (k) { max = Math.max(max, byRoute[k].latencyMs.p90); });
    Object.keys(byRoute).forEach(function (k) {
      var l = byRoute[k].latencyMs, box = el('div', 'lat'), name = el('div', 'name');
      name.appendChild(el('span', null, k));
      name.appendChild(el('span', 'muted', 'mean ' + int(l.mean) + ' ms · p50 ≤' + int(l.p50) + ' · p90 ≤' + int(l.p90) + ' · p99 ≤' + int(l.p99)));
      var bar = el('div', 'bar'), fill = el('i');
      fill.style.width = Math.min(100, 100 * l.mean / max) + '%';
      fill.style.background = k === 'reasoning' ? 'var(--reasoning)' : 'var(--direct)';
      bar.appendChild(fill); box.appendChild(name); box.appendChild(bar); host.appendChild(box);
    });
    if (!host.firstChild) host.appendChild(el('div', 'muted', 'no requests yet'));
  }

  function renderExpansion(exp) {
    var host = $('expansion'); host.textContent = '';
    var table = el('table'), head = el('tr');
    ['prompt tokens', 'factor', 'ms/token', 'samples'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    table.appendChild(head);
    exp.bands.forEach(function (b) {
      var tr = el('tr');
      tr.appendChild(el('td', null, b.band));
      tr.appendChild(el('td', null, b.factor.toFixed(2) + (b.learned ? ' learned' : ' prior')));
      tr.appendChild(el('td', null, b.msPerToken.toFixed(1)));
      tr.appendChild(el('td', null, b.samples + ' / ' + exp.minSamples));
      table.appendChild(tr);
    });
    host.appendChild(table);
  }

  // Today's rows show the time; older ones (a Redis ledger outlives restarts) the day too.
  function when(iso) {
    var d = new Date(iso);
    if (d.toDateString() === new Date().toDateString()) return d.toLocaleTimeString();
    return d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' + d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function renderRecent(rows) {
    var body = $('recent'); body.textContent = '';
    rows.slice(0, 15).forEach(function (r) {
      var tr = el('tr'); tr.setAttribute('data-testid', 'recent-row');
      tr.appendChild(el('td', 'muted', when(r.at)));
      var route = el('td'); route.appendChild(el('span', 'pill ' + r.route, r.route)); tr.appendChild(route);
      var score = el('td'), bar = el('span', 'score'), fill = el('i'); fill.style.width = (100 * r.score) + '%'; bar.appendChild(fill);
      score.appendChild(bar); score.appendChild(document.createTextNode(r.score.toFixed(2))); tr.appendChild(score);
      tr.appendChild(el('td', 'reasons', r.decision === 'gate' ? r.reasons.join(', ') : r.decision + ' override'));
      tr.appendChild(el('td', null, r.model));
      var cache = el('td'); cache.appendChild(el('span', r.cache === 'hit' ? 'pill hit' : 'muted', r.cache)); tr.appendChild(cache);
      tr.appendChild(el('td', r.status >= 400 ? 'err' : null, String(r.status)));
      tr.appendChild(el('td', null, int(r.latencyMs) + ' ms'));
      tr.appendChild(el('td', null, int(r.tokens.prompt + r.tokens.completion) + (r.usageEstimated ? ' ~' : '')));
      tr.appendChild(el('td', null, usd(r.costUsd)));
      tr.appendChild(el('td', null, usd(r.savedCostUsd)));
      body.appendChild(tr);
    });
  }

  function renderSeries(series) {
    if (!charts.cost) return;
    var p = series.points, col = function (f) { return p.map(function (x) { return x[f]; }); };
    var t = col('t');
    charts.cost.setData([t, col('alwaysReasoningCostUsd'), col('costUsd')]);
    charts.tokens.setData([t, col('tokens'), col('savedTokens')]);
    var chartsHost = $('charts-window');
    chartsHost.textContent = series.slotSeconds >= 86400 ? 'one point per day' : 'one point per ' + (series.slotSeconds >= 60 ? Math.round(series.slotSeconds / 60) + ' min' : series.slotSeconds + ' s');
    document.body.setAttribute('data-series-points', String(p.length));
  }

  function getJson(path, headers) {
    return fetch(path, { headers: headers, cache: 'no-store' }).then(function (res) {
      if (res.status === 401) { $('keyform').classList.add('show'); throw new Error('an API key is needed'); }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    });
  }

  // A panel is rebuilt only when what it shows changed: rebuilding the same rows on every poll would drop the
  // reader's text selection and swap the elements under the pointer (or under a test measuring them).
  var drawn = {};
  function changed(part, data) { var k = JSON.stringify(data); if (drawn[part] === k) return false; drawn[part] = k; return true; }

  var timer = null;
  function poll() {
    if (timer !== null) { clearTimeout(timer); timer = null; }
    var key = sessionStorage.getItem('thinkgate.key');
    var headers = key ? { authorization: 'Bearer ' + key } : {};
    var shown = view;
    Promise.all([getJson('/v1/stats', headers), getJson('/v1/stats/series?window=' + (shown === 'cumulative' ? 'all' : shown), headers)]).then(function (both) {
      var s = both[0];
      if (shown !== view) return;
      ensureCharts();
      var scope = view === 'cumulative' ? s : s.windows[view];
      renderSeries(both[1]);
      renderKpis(scope.totals, scope.byRoute);
      if (changed('latency', scope.byRoute)) renderLatency(scope.byRoute);
      if (changed('expansion', s.expansion)) renderExpansion(s.expansion);
      // The day is part of it: after midnight, today's rows need their date.
      if (changed('recent', [new Date().toDateString(), s.recent])) renderRecent(s.recent);
      var st = $('status'); st.className = 'ok';
      st.textContent = 'live · ' + (s.scope.fleet ? 'fleet' : 'this replica') + (s.scope.tenant === 'all' ? '' : ' · your tenant') + ' · ' + new Date().toLocaleTimeString();
      document.body.setAttribute('data-polls', String((Number(document.body.getAttribute('data-polls')) || 0) + 1));
    }).catch(function (err) {
      var st = $('status'); st.className = 'err'; st.textContent = String(err.message || err);
    }).finally(function () { if (timer === null) timer = setTimeout(poll, intervalMs); });
  }

  document.getElementById('windows').addEventListener('click', function (e) {
    var w = e.target && e.target.getAttribute && e.target.getAttribute('data-window');
    if (!w) return;
    view = w;
    Array.prototype.forEach.call(document.querySelectorAll('#windows button'), function (b) { b.classList.toggle('active', b.getAttribute('data-window') === w); });
    poll();
  });
  $('keyform').addEventListener('submit', function (e) {
    e.preventDefault(); sessionStorage.setItem('thinkgate.key', $('key').value); $('keyform').classList.remove('show');
  });
  poll();
})();
`;
