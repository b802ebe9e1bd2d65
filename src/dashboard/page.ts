/**
 * The dashboard's HTML and CSS. Self-contained: no CDN; the script and uPlot come from this gateway
 * (`/dashboard/app.js`, `/dashboard/uplot.*`), so the page runs under a strict Content-Security-Policy.
 */
const STYLE = `
:root { --bg:#0f1419; --panel:#171e26; --line:#263140; --text:#e6edf3; --muted:#8b98a5; --reasoning:#c792ea; --direct:#4fc3f7;
  --always:#ff7b72; --cost:#56d364; --saved:#f2cc60; }
* { box-sizing:border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--text); }
header { display:flex; align-items:center; gap:16px; padding:14px 24px; border-bottom:1px solid var(--line); }
header h1 { font-size:18px; margin:0; font-weight:600; letter-spacing:.2px; }
header h1 span { color:var(--muted); font-weight:400; }
#status { margin-left:auto; color:var(--muted); font-size:12px; }
#status.ok::before { content:"●"; color:var(--cost); margin-right:6px; }
#status.err::before { content:"●"; color:var(--always); margin-right:6px; }
nav button { background:none; border:1px solid var(--line); color:var(--muted); padding:4px 10px; border-radius:6px; cursor:pointer; font:inherit; }
nav button.active { color:var(--text); border-color:var(--muted); background:var(--panel); }
main { padding:18px 24px 28px; display:grid; gap:16px; }
.kpis { display:grid; grid-template-columns:repeat(6,minmax(0,1fr)); gap:12px; }
.card, .panel { background:var(--panel); border:1px solid var(--line); border-radius:10px; }
.card { padding:12px 14px; }
.card .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.6px; }
.card .value { font-size:24px; font-weight:600; margin-top:2px; font-variant-numeric:tabular-nums; }
.card .sub { color:var(--muted); font-size:12px; margin-top:2px; }
.est { color:var(--saved); font-size:10px; border:1px solid var(--saved); border-radius:4px; padding:0 4px; margin-left:6px; vertical-align:middle; }
.row { display:grid; grid-template-columns:2fr 1fr; gap:16px; }
.panel { padding:14px 16px; min-width:0; }
.panel h2 { font-size:13px; margin:0 0 10px; color:var(--muted); font-weight:600; text-transform:uppercase; letter-spacing:.6px; }
.split { display:flex; height:26px; border-radius:6px; overflow:hidden; background:var(--line); }
.split div { height:100%; transition:width .3s; }
.legend { display:flex; gap:16px; margin-top:8px; color:var(--muted); font-size:13px; flex-wrap:wrap; }
.dot { display:inline-block; width:10px; height:10px; border-radius:3px; margin-right:6px; vertical-align:-1px; }
table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
th { text-align:left; color:var(--muted); font-weight:500; font-size:12px; padding:6px 8px; border-bottom:1px solid var(--line); }
td { padding:6px 8px; border-bottom:1px solid #1d2631; white-space:nowrap; }
td.reasons { white-space:normal; color:var(--muted); font-size:12px; max-width:280px; }
.pill { padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; }
.pill.reasoning { background:#c792ea22; color:var(--reasoning); } .pill.direct { background:#4fc3f722; color:var(--direct); }
.pill.hit { background:#56d36422; color:var(--cost); }
.score { display:inline-block; width:60px; height:6px; background:var(--line); border-radius:3px; margin-right:6px; vertical-align:middle; }
.score i { display:block; height:100%; border-radius:3px; background:var(--saved); }
.lat { margin:6px 0 12px; } .lat .name { display:flex; justify-content:space-between; gap:12px; flex-wrap:wrap; font-size:13px; }
.lat .name span:first-child { font-weight:600; }
.panel h2 small { text-transform:none; letter-spacing:0; font-weight:400; margin-left:8px; }
.bar { height:8px; border-radius:4px; background:var(--line); margin-top:4px; position:relative; }
.bar i { position:absolute; left:0; top:0; bottom:0; border-radius:4px; }
.muted { color:var(--muted); } .err { color:var(--always); }
#keyform { display:none; gap:8px; } #keyform.show { display:flex; }
#keyform input { background:var(--panel); border:1px solid var(--line); color:var(--text); border-radius:6px; padding:4px 8px; }
.u-legend { color:var(--muted); font-size:12px; } .uplot { font-family:inherit; }
@media (max-width:1100px) { .kpis { grid-template-columns:repeat(3,1fr); } .row { grid-template-columns:1fr; } }
`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>thinkgate · savings</title>
<link rel="icon" href="/dashboard/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/dashboard/uplot.css"><style>${STYLE}</style></head>
<body>
<header><h1>thinkgate <span>· compute savings</span></h1>
<nav id="windows"><button data-window="cumulative" class="active">All time</button> <button data-window="hour">Last hour</button> <button data-window="day">Last day</button></nav>
<form id="keyform"><input id="key" type="password" placeholder="API key" autocomplete="off"><button>Use key</button></form>
<div id="status">connecting…</div></header>
<main>
<section class="kpis">
  <div class="card"><div class="label">Requests</div><div class="value" id="kpi-requests">–</div><div class="sub" id="kpi-requests-sub"></div></div>
  <div class="card"><div class="label">Spend</div><div class="value" id="kpi-cost">–</div><div class="sub">at configured prices</div></div>
  <div class="card"><div class="label">Always-reasoning <span class="est">est.</span></div><div class="value" id="kpi-always">–</div><div class="sub">same requests, all on reasoning</div></div>
  <div class="card"><div class="label">Saved <span class="est">est.</span></div><div class="value" id="kpi-saved">–</div><div class="sub" id="kpi-saved-sub"></div></div>
  <div class="card"><div class="label">Tokens saved <span class="est">est.</span></div><div class="value" id="kpi-tokens-saved">–</div><div class="sub" id="kpi-tokens-sub"></div></div>
  <div class="card"><div class="label">Cache hit rate</div><div class="value" id="kpi-cache-rate">–</div><div class="sub" id="kpi-cache-sub"></div></div>
</section>
<section class="row">
  <div class="panel"><h2>Cumulative cost vs always-reasoning <span class="est">est.</span><small class="muted" id="charts-window"></small></h2><div id="chart-cost"></div></div>
  <div class="panel"><h2>Route split</h2><div class="split" id="split"><div id="split-reasoning" style="background:var(--reasoning);width:0"></div><div id="split-direct" style="background:var(--direct);width:0"></div></div>
    <div class="legend"><span><i class="dot" style="background:var(--reasoning)"></i>reasoning <b id="route-reasoning">0</b></span><span><i class="dot" style="background:var(--direct)"></i>direct <b id="route-direct">0</b></span><span>errors <b id="route-errors">0</b></span><span>aborted <b id="route-aborted">0</b></span><span>rejected <b id="route-rejected">0</b></span></div>
    <h2 style="margin-top:18px">Latency by route</h2><div id="latency"></div></div>
</section>
<section class="row">
  <div class="panel"><h2>Cumulative tokens spent vs saved <span class="est">est.</span></h2><div id="chart-tokens"></div></div>
  <div class="panel"><h2>Reasoning expansion</h2><div id="expansion" class="muted"></div></div>
</section>
<section class="panel"><h2>Recent requests</h2>
<table><thead><tr><th>time</th><th>route</th><th>score</th><th>reasons</th><th>model</th><th>cache</th><th>status</th><th>latency</th><th>tokens</th><th>cost</th><th>saved <span class="est">est.</span></th></tr></thead>
<tbody id="recent"></tbody></table></section>
</main>
<script src="/dashboard/uplot.js"></script><script src="/dashboard/app.js"></script>
</body></html>`;

/** The page's icon (a browser asks for one; without it every visit logs a 404 for /favicon.ico). */
export const DASHBOARD_FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#171e26"/><path d="M6 22 L14 10 L18 16 L26 8" stroke="#56d364" stroke-width="3" fill="none" stroke-linecap="round" stroke-linejoin="round"/><circle cx="14" cy="10" r="2.5" fill="#c792ea"/><circle cx="18" cy="16" r="2.5" fill="#4fc3f7"/></svg>`;
