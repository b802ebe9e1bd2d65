/**
 * The dashboard's browser script, served as `/dashboard/app.js`. Plain ES2020 in a string (the build emits no
 * browser bundle); no template literals inside, and data only ever reaches the page through textContent.
 * It polls `/v1/stats` and keeps the cumulative history it has seen for the charts.
 */
export const DASHBOARD_SCRIPT = String.raw`(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var intervalMs = Math.max(200, Number(params.get('interval')) || 2000);
  var hashKey = new URLSearchParams(location.hash.slice(1)).get('key');
  if (hashKey) { sessionStorage.setItem('thinkgate.key', hashKey); history.replaceState(null, '', location.pathname + location.search); }
  var view = 'cumulative';
  var history_ = { t: [], cost: [], always: [], spent: [], saved: [] };
  var charts = {};
  var $ = function (id) { return document.getElementById(id); };
  var usd = function (v) { var a = Math.abs(v); return (v < 0 ? '-$' : '$') + (a === 0 ? '0' : a < 0.01 ? a.toFixed(6) : a < 100 ? a.toFixed(4) : a.toFixed(2)); };
  var int = function (v) { return Math.round(v).toLocaleString('en-US'); };
  var pct = function (v) { return (v * 100).toFixed(1) + '%'; };
  var setText = function (id, text, raw) { var el = $(id); el.textContent = text; if (raw !== undefined) el.setAttribute('data-value', String(raw)); };

  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }

  var clock = function (s) { return new Date(s * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }); };
  var axisUsd = function (v) { return v === 0 ? '$0' : '$' + Number(v.toPrecision(3)); };
  var axisInt = function (v) { return v >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : v >= 1e4 ? Math.round(v / 1e3) + 'k' : String(Math.round(v)); };

  function chart(id, series, fmt, axisFmt) {
    var host = $(id);
    var opts = {
      width: Math.max(300, host.clientWidth), height: 220, legend: { live: false }, padding: [10, 36, 0, 0],
      scales: { x: { time: true } },
      axes: [{ stroke: '#8b98a5', grid: { stroke: '#263140' }, ticks: { stroke: '#263140' }, space: 90, values: function (u, vals) { return vals.map(clock); } },
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

  function renderRecent(rows) {
    var body = $('recent'); body.textContent = '';
    rows.slice(0, 15).forEach(function (r) {
      var tr = el('tr'); tr.setAttribute('data-testid', 'recent-row');
      tr.appendChild(el('td', 'muted', new Date(r.at).toLocaleTimeString()));
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

  function pushHistory(t) {
    var h = history_;
    h.t.push(Date.now() / 1000); h.cost.push(t.costUsd); h.always.push(t.alwaysReasoningCostUsd);
    h.spent.push(t.tokens.total); h.saved.push(t.savedTokens);
    if (h.t.length > 1800) Object.keys(h).forEach(function (k) { h[k].shift(); });
    if (!charts.cost) return;
    charts.cost.setData([h.t, h.always, h.cost]);
    charts.tokens.setData([h.t, h.spent, h.saved]);
  }

  function poll() {
    var key = sessionStorage.getItem('thinkgate.key');
    var headers = key ? { authorization: 'Bearer ' + key } : {};
    fetch('/v1/stats', { headers: headers, cache: 'no-store' }).then(function (res) {
      if (res.status === 401) { $('keyform').classList.add('show'); throw new Error('an API key is needed'); }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    }).then(function (s) {
      ensureCharts();
      var scope = view === 'cumulative' ? s : s.windows[view];
      pushHistory(s.totals);
      renderKpis(scope.totals, scope.byRoute);
      renderLatency(scope.byRoute);
      renderExpansion(s.expansion);
      renderRecent(s.recent);
      var st = $('status'); st.className = 'ok';
      st.textContent = 'live · ' + (s.scope.fleet ? 'fleet' : 'this replica') + (s.scope.tenant === 'all' ? '' : ' · your tenant') + ' · ' + new Date().toLocaleTimeString();
      document.body.setAttribute('data-polls', String((Number(document.body.getAttribute('data-polls')) || 0) + 1));
    }).catch(function (err) {
      var st = $('status'); st.className = 'err'; st.textContent = String(err.message || err);
    }).finally(function () { setTimeout(poll, intervalMs); });
  }

  document.getElementById('windows').addEventListener('click', function (e) {
    var w = e.target && e.target.getAttribute && e.target.getAttribute('data-window');
    if (!w) return;
    view = w;
    Array.prototype.forEach.call(document.querySelectorAll('#windows button'), function (b) { b.classList.toggle('active', b.getAttribute('data-window') === w); });
  });
  $('keyform').addEventListener('submit', function (e) {
    e.preventDefault(); sessionStorage.setItem('thinkgate.key', $('key').value); $('keyform').classList.remove('show');
  });
  poll();
})();
`;
