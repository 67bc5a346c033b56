// The operations console: admin login, then three pages fed by the /v1/ops/live WebSocket.
import { Api } from './api.js';
import { LiveMap } from './map.js';
import { Series, Distribution, Lines } from './charts.js';

const $ = (sel) => document.querySelector(sel);
const api = new Api();
const map = new LiveMap($('#map'));
const state = { hello: null, snapshot: null, snapshots: 0, live: null, zoneCharts: new Map() };
// For people debugging in the devtools and for the browser tests.
window.__console = state;
state.map = map;

const fmt = (v, digits = 1) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

const money = (m) => (m ? `${(m.amount / 100).toFixed(2)} ${m.currency}` : '–');
const hourOf = (ms) => Math.floor(ms / 3600000) * 3600000;
// A figure with a change against the previous period: "+3 vs 5 the minute before".
function delta(now, before, what, lowerIsBetter = false) {
  if (before === null || before === undefined || now === null || now === undefined) return null;
  const d = Number(now) - Number(before);
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const shown = Number.isInteger(d) ? Math.abs(d) : Math.abs(d).toFixed(1);
  return { text: `${sign}${shown} vs ${Number.isInteger(before) ? before : Number(before).toFixed(1)} ${what}`, cls: d === 0 ? 'flat' : (d > 0) !== lowerIsBetter ? 'up' : 'down' };
}
function kpi(name, value, sub, cls = '') {
  const d = sub ? `<span class="delta ${sub.cls || ''}">${esc(sub.text)}</span>` : '';
  return `<div class="kpi ${cls}" data-kpi="${esc(name)}">${esc(name)}<b>${esc(value)}</b>${d}</div>`;
}

const platform = {
  rate: new Series($('#plat-rate'), ['req/s', '5xx/s']),
  latency: new Series($('#plat-latency'), ['p99 ms (worst route)']),
};

function show(page) {
  for (const el of document.querySelectorAll('.page')) el.hidden = el.id !== `page-${page}`;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', page.startsWith(a.dataset.page));
  map.show(page === 'map');
}

function route() {
  if (!api.token) return;
  const hash = location.hash || '#/map';
  const m = hash.match(/^#\/zones\/(.+)$/);
  if (m) {
    state.zone = decodeURIComponent(m[1]);
    const x = zoneExtras(state.zone);
    x.planAt = 0; x.feeAt = 0;  // opening a zone fetches its forecast, plan and fee afresh
    show('zone');
    renderZone();
  } else if (hash === '#/zones') {
    show('zones');
  } else if (hash === '#/platform') {
    show('platform');
    platform.rate.render(); platform.latency.render();
  } else {
    show('map');
  }
}

function zoneCharts(id) {
  if (!state.zoneCharts.has(id)) {
    state.zoneCharts.set(id, {
      orders: new Series($('#zone-orders'), ['orders/min', 'open orders']),
      riders: new Series($('#zone-riders'), ['online', 'available']),
      c2d: new Distribution($('#zone-c2d'), 'deliveries'),
      r2p: new Distribution($('#zone-r2p'), 'pickups'),
      history: [],
    });
  }
  return state.zoneCharts.get(id);
}

function renderZone() {
  const s = state.snapshot;
  if (!s || !state.zone) return;
  const z = s.zones.find((x) => x.id === state.zone);
  if (!z) { $('#zone-title').textContent = `Unknown zone ${state.zone}`; return; }
  $('#zone-title').textContent = `Zone ${z.name}`;
  const tariff = state.hello && state.hello.tariff;
  const x = zoneExtras(z.id);
  refreshZoneExtras(z.id, s);
  const tariffFee = tariff ? `${(tariff.base_fee / 100).toFixed(2)} + ${(tariff.fee_per_km / 100).toFixed(2)}/km ${tariff.currency}` : '–';
  const hour = hourOf(Date.parse(s.at));
  const fcNow = x.seen.get(hour);
  const need = currentNeed(x, hour);
  const short = need !== null && z.riders_online < need;
  $('#zone-kpis').innerHTML = [
    kpi('Orders/min', z.orders_per_min, delta(z.orders_per_min, z.orders_per_min_before, 'the minute before')),
    kpi('Orders this hour', z.orders_this_hour, { text: `${z.orders_last_hour} in the whole previous hour`, cls: 'flat' }),
    kpi('Forecast this hour', fcNow ? fmt(fcNow.q50) : (x.noForecast ? 'no forecast yet' : '–'),
      fcNow ? { text: `80% band ${fmt(fcNow.q10)}–${fmt(fcNow.q90)}; actual so far ${z.orders_this_hour}`, cls: 'flat' } : null),
    kpi('Open orders', z.open_orders),
    kpi('Riders online', z.riders_online),
    kpi('Riders needed', need === null ? (x.noForecast ? 'no plan yet' : '–') : need,
      need === null ? null : { text: short ? `${need - z.riders_online} short` : `${z.riders_online - need} spare`, cls: short ? 'down' : 'up' },
      short ? 'short' : ''),
    kpi('Riders available', z.riders_available),
    kpi('Click-to-door p90', z.click_to_door_p90 === null ? '–' : `${fmt(z.click_to_door_p90 / 60)} min`),
    kpi('Delivered (since start)', z.click_to_door.count),
    kpi('Delivery fee', x.fee ? money(x.fee.fee) : tariffFee,
      x.fee ? { text: x.fee.dynamic_fees ? `×${fmt(x.fee.multiplier, 2)} of ${money(x.fee.breakdown.base)} (dynamic)` : 'fixed tariff (dynamic fees off)', cls: 'flat' } : null),
  ].join('');
  renderZoneExtras(z);
  // Charts are per page (one set of elements): rebuild when the zone changes.
  if (state.chartZone !== state.zone) {
    for (const id of ['#zone-orders', '#zone-riders', '#zone-c2d', '#zone-r2p']) $(id).innerHTML = '';
    state.zoneCharts.delete(state.zone);
    state.chartZone = state.zone;
    const c = zoneCharts(state.zone);
    for (const h of (state.zoneHistory.get(state.zone) || [])) {
      c.orders.push(h.t, [h.orders_per_min, h.open_orders]);
      c.riders.push(h.t, [h.riders_online, h.riders_available]);
    }
  }
  const c = zoneCharts(state.zone);
  c.orders.render(); c.riders.render();
  c.c2d.set(z.click_to_door); c.r2p.set(z.ready_to_pickup);
}

state.zoneHistory = new Map();

// Per zone: the demand model's forecast, the staffing plan and the current dynamic fee, fetched
// from the admin API while the zone page is open (forecast and plan every 30 s and at each new
// hour, the fee every 10 s). `seen` keeps every hour's latest forecast, so an hour that has passed
// still shows what was expected of it.
state.zoneExtras = new Map();
const forecastChart = new Lines($('#zone-forecast'));
state.forecastChart = forecastChart;

function zoneExtras(id) {
  if (!state.zoneExtras.has(id)) {
    state.zoneExtras.set(id, { seen: new Map(), forecast: null, forecastError: null, noForecast: false,
      staffing: null, staffingError: null, fee: null, feeError: null, planAt: 0, planHour: 0, feeAt: 0, busy: false });
  }
  return state.zoneExtras.get(id);
}

function currentNeed(x, hour) {
  if (!x.staffing) return null;
  const h = x.staffing.hours.find((r) => Date.parse(r.at) === hour);
  return h ? h.couriers : null;
}

async function refreshZoneExtras(id, s) {
  const x = zoneExtras(id);
  if (x.busy) return;
  const now = Date.now();
  const hour = hourOf(Date.parse(s.at));
  const plan = now - x.planAt > 30000 || x.planHour !== hour;
  const fee = now - x.feeAt > 10000;
  if (!plan && !fee) return;
  x.busy = true;
  const zone = encodeURIComponent(id);
  const jobs = [];
  if (plan) {
    x.planAt = now; x.planHour = hour;
    const date = new Date(hour).toISOString().slice(0, 10);
    jobs.push(api.request('GET', `/v1/forecast?zone=${zone}`).then((f) => {
      x.forecast = f; x.forecastError = null; x.noForecast = false;
      for (const p of f.points) x.seen.set(Date.parse(p.at), p);
    }, (e) => { x.forecast = null; x.forecastError = e.message; x.noForecast = e.status === 409 || e.status === 404; }));
    jobs.push(api.request('GET', `/v1/staffing/plan?zone=${zone}&date=${date}`).then((p) => {
      x.staffing = p; x.staffingError = null;
    }, (e) => { x.staffing = null; x.staffingError = e.message; }));
  }
  if (fee) {
    x.feeAt = now;
    jobs.push(api.request('GET', `/v1/zones/${zone}/fee`).then((f) => { x.fee = f; x.feeError = null; },
      (e) => { x.feeError = e.message; }));
  }
  await Promise.all(jobs);
  x.busy = false;
  if (state.zone === id && !$('#page-zone').hidden) renderZone();
}

function renderZoneExtras(z) {
  const x = zoneExtras(z.id);
  const hour = hourOf(Date.parse(state.snapshot.at));
  // Forecast against actual.
  const panel = $('#zone-forecast-panel');
  if (x.forecast || x.seen.size) {
    panel.dataset.state = 'forecast';
    const m = x.forecast && x.forecast.model;
    $('#zone-forecast-note').textContent = m
      ? `model ${m.method}, trained ${new Date(m.trained_at).toLocaleString()}; actual: orders placed (this hour so far)`
      : `forecast unavailable now (${x.forecastError}); showing the last one`;
    const hours = [...new Set([...x.seen.keys(), hour, hour - 3600000])].sort((a, b) => a - b);
    const actual = (h) => (h === hour ? z.orders_this_hour : h === hour - 3600000 ? z.orders_last_hour : null);
    const f = (h, k) => (x.seen.has(h) ? x.seen.get(h)[k] : null);
    forecastChart.set(hours.map((h) => h / 1000), [
      { label: 'forecast q50', color: '#1f6feb', values: hours.map((h) => f(h, 'q50')) },
      { label: 'q10', color: '#9db8e8', width: 1, dash: [4, 3], values: hours.map((h) => f(h, 'q10')) },
      { label: 'q90', color: '#9db8e8', width: 1, dash: [4, 3], values: hours.map((h) => f(h, 'q90')) },
      { label: 'actual', color: '#d33', points: true, values: hours.map(actual) },
    ]);
  } else if (x.noForecast || x.forecastError) {
    panel.dataset.state = 'no-forecast';
    $('#zone-forecast').innerHTML = '';
    forecastChart.plot = null; forecastChart.last = null;
    $('#zone-forecast-note').innerHTML = `<span class="empty-state" data-empty="forecast">No forecast yet for this zone: ${esc(x.forecastError)}.
      The server trains its demand model once it has at least 14 days of orders (or on <code>POST /v1/forecast/retrain</code>).
      Actual this hour so far: <b>${z.orders_this_hour}</b> orders (${z.orders_last_hour} in the previous hour).</span>`;
  } else {
    panel.dataset.state = 'loading';
    $('#zone-forecast-note').textContent = 'loading the forecast…';
  }
  // Riders needed against online.
  const sp = $('#zone-staffing-panel');
  if (x.staffing) {
    sp.dataset.state = 'plan';
    const p = x.staffing;
    $('#zone-staffing-note').textContent = `${z.riders_online} riders online now; plan of ${p.courier_hours} courier-hours `
      + `(${p.orders_per_courier_hour.value} orders per courier-hour, ${p.orders_per_courier_hour.source}; service level ${p.service_level})`;
    $('#zone-staffing tbody').innerHTML = p.hours.map((h) => `<tr class="${Date.parse(h.at) === hour ? 'now' : ''}">
      <td>${esc(h.at.slice(11, 16))}</td><td>${fmt(h.demand)}</td><td>${h.couriers}</td><td>${h.on_duty}</td></tr>`).join('')
      || '<tr><td colspan="4" class="muted">no hours left in the plan today</td></tr>';
  } else {
    sp.dataset.state = x.staffingError ? 'no-plan' : 'loading';
    $('#zone-staffing-note').innerHTML = x.staffingError
      ? `<span class="empty-state" data-empty="staffing">No staffing plan yet: ${esc(x.staffingError)}. ${z.riders_online} riders online now.</span>`
      : 'loading the staffing plan…';
    $('#zone-staffing tbody').innerHTML = '';
  }
  // The current delivery fee.
  const fp = $('#zone-fee');
  if (x.fee) {
    const f = x.fee, b = f.breakdown || {};
    fp.dataset.state = 'fee';
    fp.innerHTML = `<dl class="facts">
      <dt>Fee now</dt><dd data-fee="amount"><b>${esc(money(f.fee))}</b> for a distance fee of ${esc(money(b.base))}</dd>
      <dt>Dynamic fees</dt><dd>${f.dynamic_fees ? 'on' : 'off (fixed tariff)'}</dd>
      <dt>Multiplier</dt><dd>×${fmt(f.multiplier, 2)} (target ×${fmt(f.target_multiplier, 2)}, load ${fmt(f.load, 2)})</dd>
      <dt>Surcharge</dt><dd>${esc(money(b.surcharge))}</dd>
      <dt>Why</dt><dd>${esc(b.reason || '–')}</dd>
      <dt>Evaluated</dt><dd>${f.evaluated_at ? esc(new Date(f.evaluated_at).toLocaleTimeString()) : '–'}${f.next_refresh_at ? `, next at ${esc(new Date(f.next_refresh_at).toLocaleTimeString())}` : ''}</dd>
    </dl>${x.feeError ? `<p class="warn">refresh failed: ${esc(x.feeError)}</p>` : ''}`;
  } else {
    fp.dataset.state = x.feeError ? 'error' : 'loading';
    fp.textContent = x.feeError ? `Delivery fee unavailable: ${x.feeError}` : 'loading the fee…';
  }
  forecastChart.render();
}

// The autoscaler of `hotpath cluster --autoscale`, as the controller last wrote it.
function renderAutoscaler(a) {
  const box = $('#autoscaler');
  if (a === null || a === undefined) {
    box.dataset.state = 'single';
    box.innerHTML = '<p class="empty-state" data-empty="autoscaler">Single process: no autoscaler. <code>hotpath cluster --autoscale</code> runs one and its decisions show here.</p>';
    return;
  }
  if (!a.running) {
    box.dataset.state = 'off';
    box.innerHTML = '<p class="empty-state" data-empty="autoscaler">This cluster runs without autoscaling (<code>--autoscale</code> is off) or its controller has not decided yet.</p>';
    return;
  }
  box.dataset.state = a.stale ? 'stale' : 'running';
  const t = a.decisions_total || {};
  const l = a.last || {};
  box.innerHTML = `<div class="kpis">
      ${kpi('Processes', a.processes, { text: `desired ${l.desired}; bounds ${a.min_processes}–${a.max_processes}`, cls: 'flat' })}
      ${kpi('Load', fmt(l.load, 2), { text: `cpu ${fmt(l.loads && l.loads.cpu, 2)}, in flight ${fmt(l.loads && l.loads.in_flight, 2)}, p95 ${fmt(l.loads && l.loads.p95, 2)}`, cls: 'flat' })}
      ${kpi('Decisions', (t.hold || 0) + (t.scale_out || 0) + (t.scale_in || 0), { text: `${t.scale_out || 0} out, ${t.scale_in || 0} in, ${t.hold || 0} holds`, cls: 'flat' })}
    </div>
    <p>${a.stale ? '<span class="warn">stale: the controller has not written for a while</span> — ' : ''}last: <b>${esc(l.action || '–')}</b> ${esc(l.reason || '')}
      <span class="muted">(${esc(new Date(a.updated_ms).toLocaleTimeString())})</span></p>
    <table class="grid" id="autoscaler-decisions"><thead><tr><th>Time</th><th>Action</th><th>Processes</th><th>Signal</th><th>Load</th><th>Reason</th></tr></thead>
    <tbody>${(a.recent || []).map((d) => `<tr data-action="${esc(d.action)}"><td>${esc(new Date(d.at_ms).toLocaleTimeString())}</td>
      <td>${esc(d.action)}</td><td>${d.current} → ${d.desired}</td><td>${esc(d.signal)}</td><td>${fmt(d.load, 2)}</td><td>${esc(d.reason)}</td></tr>`).join('')
      || '<tr><td colspan="6" class="muted">no scaling yet (holding)</td></tr>'}</tbody></table>`;
}

// In a cluster: the processes whose figures the page adds up (null for a single process).
function renderProcesses(list) {
  const p = $('#plat-processes');
  p.hidden = !list;
  if (!list) return;
  const down = list.filter((x) => !x.up).length;
  p.dataset.down = String(down);
  p.innerHTML = `Whole cluster: figures of ${list.length} process${list.length === 1 ? '' : 'es'} — ` +
    list.map((x) => `<span data-process="${esc(x.process)}" class="${x.up ? '' : 'warn'}">${esc(x.process)}` +
      `${x.role === 'primary' ? ' (primary)' : ''}${x.state !== 'active' ? ` ${esc(x.state)}` : ''}` +
      `${x.up ? '' : ' not answering: last counts kept'}</span>`).join(', ');
}

// Mean of the last n points of a series against the n before: the platform's deltas.
function windowDelta(arr, n) {
  const vals = arr.filter((v) => v !== null && v !== undefined);
  if (vals.length < 2) return null;
  const k = Math.min(n, Math.floor(vals.length / 2));
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  return [mean(vals.slice(-k)), mean(vals.slice(-2 * k, -k)), k];
}

function onSnapshot(s) {
  state.snapshot = s;
  state.snapshots += 1;
  map.setSnapshot(s);
  // A zone or restaurant created since the hello: a fresh hello puts it on the map (the view then
  // widens to it), asked for at most every 10 s.
  if (state.hello && state.live && Date.now() - (state.helloAsked || 0) > 10000) {
    const zones = new Set(state.hello.zones.map((z) => z.id));
    if (s.zones.some((z) => !zones.has(z.id)) || s.orders.some((o) => !map.restaurants.has(o[2]))) {
      state.helloAsked = Date.now();
      state.live.refresh();
    }
  }
  const t = Date.parse(s.at) / 1000;
  $('#map-counts').textContent = `${s.riders.length} riders online, ${s.orders.length} open orders, ${s.plan.length} planned bundles`;

  const rows = s.zones.map((z) => `<tr data-zone="${esc(z.id)}"><td>${esc(z.name)}</td><td>${z.orders_per_min}</td>
    <td>${z.open_orders}</td><td>${z.riders_online}</td><td>${z.riders_available}</td>
    <td>${z.click_to_door_p90 === null ? '–' : `${fmt(z.click_to_door_p90 / 60)} min`}</td></tr>`);
  $('#zones-table tbody').innerHTML = rows.join('');
  for (const z of s.zones) {
    const h = state.zoneHistory.get(z.id) || [];
    const point = { t, orders_per_min: z.orders_per_min, open_orders: z.open_orders, riders_online: z.riders_online, riders_available: z.riders_available };
    h.push(point);
    if (h.length > 600) h.shift();
    state.zoneHistory.set(z.id, h);
    if (state.chartZone === z.id) {
      const c = zoneCharts(z.id);
      c.orders.push(t, [point.orders_per_min, point.open_orders]);
      c.riders.push(t, [point.riders_online, point.riders_available]);
    }
  }
  if (!$('#page-zone').hidden) renderZone();

  let rps = 0, errs = 0, p99 = null;
  for (const r of s.routes) {
    rps += r.rps; errs += r.errors_per_s;
    if (r.p99 !== null && r.rps > 0) p99 = Math.max(p99 || 0, r.p99 * 1000);
  }
  platform.rate.push(t, [rps, errs]);
  platform.latency.push(t, [p99]);
  const kp = [];
  // Means over the last minute against the minute before (or half and half of what is there).
  for (const [name, arr, lowerIsBetter] of [['Requests/s', platform.rate.data[1], false], ['5xx/s', platform.rate.data[2], true],
    ['p99 ms (worst route)', platform.latency.data[1], true]]) {
    const w = windowDelta(arr, 60);
    kp.push(kpi(name, w ? fmt(w[0]) : '–',
      w ? delta(Number(w[0].toFixed(1)), Number(w[1].toFixed(1)), `the ${w[2]} s before`, lowerIsBetter) : null));
  }
  $('#plat-kpis').innerHTML = kp.join('');
  renderAutoscaler(s.autoscaler);
  renderProcesses(s.processes);
  $('#routes-table tbody').innerHTML = s.routes.filter((r) => r.requests > 0).map((r) => `<tr><td>${esc(r.route)}</td>
    <td>${fmt(r.rps)}</td><td>${fmt(r.errors_per_s)}</td><td>${r.p50 === null ? '–' : fmt(r.p50 * 1000)}</td>
    <td>${r.p99 === null ? '–' : fmt(r.p99 * 1000)}</td><td>${r.requests}</td></tr>`).join('');
  $('#functions-table tbody').innerHTML = s.functions.map((f) => `<tr data-function="${esc(f.function)}">
    <td>${esc(f.function)}</td><td><span class="fn-state ${f.paused ? 'paused' : 'running'}">${f.paused ? 'paused' : 'running'}</span></td>
    <td>${fmt(f.lag, 0)}</td><td>${fmt(f.dead_letters, 0)}</td><td>${fmt(f.invocations, 0)}</td>
    <td><button type="button" data-action="${f.paused ? 'resume' : 'pause'}" ${state.fnBusy === f.function ? 'disabled' : ''}>${f.paused ? 'Resume' : 'Pause'}</button></td></tr>`).join('') ||
    '<tr><td colspan="6" class="muted">no functions reported yet</td></tr>';
  $('#alarms-table tbody').innerHTML = s.alarms.map((a) => `<tr data-alarm="${esc(a.name)}"><td>${esc(a.name)}</td>
    <td><span class="state ${a.state}">${a.state}</span></td><td>${esc(new Date(a.since).toLocaleTimeString())}</td>
    <td>${esc(`${a.statistic}(${a.metric}) ${a.comparison} ${a.threshold}`)}</td><td>${esc(a.reason)}</td></tr>`).join('');
  if (state.openAlarm) loadHistory(state.openAlarm);
}

async function loadHistory(name) {
  state.openAlarm = name;
  const box = $('#alarm-history');
  try {
    const h = await api.request('GET', `/v1/alarms/${encodeURIComponent(name)}/history`);
    box.hidden = false;
    box.innerHTML = `<h3>History of ${esc(name)}</h3><ol>${h.items.map((i) => `<li data-new-state="${esc(i.new_state)}">
      <b>${esc(new Date(i.time).toLocaleTimeString())}</b> ${esc(i.summary)}${i.reason ? ` — <span class="muted">${esc(i.reason)}</span>` : ''}</li>`).join('')}</ol>`;
  } catch (e) {
    box.hidden = false;
    box.textContent = `History of ${name}: ${e.message}`;
  }
}

function startLive() {
  $('#login').hidden = true;
  $('#nav').hidden = false;
  $('#logout').hidden = false;
  state.live = api.live((m) => {
    if (m.type === 'hello') { state.hello = m; map.setHello(m); } else if (m.type === 'snapshot') onSnapshot(m);
    else if (m.type === 'error') $('#status').textContent = m.detail;
  }, (s) => { $('#status').textContent = s; });
  route();
}

function showLogin() {
  if (state.live) state.live.close();
  state.live = null;
  $('#nav').hidden = true;
  $('#logout').hidden = true;
  for (const el of document.querySelectorAll('.page')) el.hidden = true;
  $('#login').hidden = false;
}

$('#login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  $('#login-error').textContent = '';
  try {
    await api.login(f.get('email'), f.get('password'));
    startLive();
  } catch (err) {
    $('#login-error').textContent = err.message;
  }
});
$('#logout').addEventListener('click', () => { api.logout(); showLogin(); });
$('#zones-table tbody').addEventListener('click', (e) => {
  const tr = e.target.closest('tr[data-zone]');
  if (tr) location.hash = `#/zones/${encodeURIComponent(tr.dataset.zone)}`;
});
$('#alarms-table tbody').addEventListener('click', (e) => {
  const tr = e.target.closest('tr[data-alarm]');
  if (tr) loadHistory(tr.dataset.alarm);
});
// Pause or resume a function (its consumer): the next snapshot shows the new state and the lag.
$('#functions-table tbody').addEventListener('click', async (e) => {
  const button = e.target.closest('button[data-action]');
  if (!button) return;
  const name = button.closest('tr[data-function]').dataset.function;
  state.fnBusy = name;
  button.disabled = true;
  $('#functions-error').textContent = '';
  try {
    await api.request('POST', `/v1/functions/${encodeURIComponent(name)}/${button.dataset.action}`);
  } catch (err) {
    $('#functions-error').textContent = `${name}: ${err.message}`;
  } finally {
    state.fnBusy = null;
  }
});
window.addEventListener('hashchange', route);
window.addEventListener('resize', () => map.kick());

(async () => {
  if (!api.token) return showLogin();
  try {
    const me = await api.me();
    if (me.role !== 'admin') throw new Error('not an admin');
    startLive();
  } catch {
    api.logout();
    showLogin();
  }
})();
