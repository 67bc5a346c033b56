// The operations console: admin login, then three pages fed by the /v1/ops/live WebSocket.
import { Api } from './api.js';
import { LiveMap } from './map.js';
import { Series, Distribution } from './charts.js';

const $ = (sel) => document.querySelector(sel);
const api = new Api();
const map = new LiveMap($('#map'));
const state = { hello: null, snapshot: null, snapshots: 0, live: null, zoneCharts: new Map() };
// For people debugging in the devtools and for the browser tests.
window.__console = state;
state.map = map;

const fmt = (v, digits = 1) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

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
  const fee = tariff ? `${(tariff.base_fee / 100).toFixed(2)} + ${(tariff.fee_per_km / 100).toFixed(2)}/km ${tariff.currency}` : '–';
  $('#zone-kpis').innerHTML = [
    ['Orders/min', z.orders_per_min], ['Open orders', z.open_orders], ['Riders online', z.riders_online],
    ['Riders available', z.riders_available],
    ['Click-to-door p90', z.click_to_door_p90 === null ? '–' : `${fmt(z.click_to_door_p90 / 60)} min`],
    ['Delivered (since start)', z.click_to_door.count], ['Delivery fee', fee],
  ].map(([k, v]) => `<div class="kpi" data-kpi="${esc(k)}">${esc(k)}<b>${esc(v)}</b></div>`).join('');
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

function onSnapshot(s) {
  state.snapshot = s;
  state.snapshots += 1;
  map.setSnapshot(s);
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
  $('#routes-table tbody').innerHTML = s.routes.filter((r) => r.requests > 0).map((r) => `<tr><td>${esc(r.route)}</td>
    <td>${fmt(r.rps)}</td><td>${fmt(r.errors_per_s)}</td><td>${r.p50 === null ? '–' : fmt(r.p50 * 1000)}</td>
    <td>${r.p99 === null ? '–' : fmt(r.p99 * 1000)}</td><td>${r.requests}</td></tr>`).join('');
  $('#functions-table tbody').innerHTML = s.functions.map((f) => `<tr><td>${esc(f.function)}</td><td>${fmt(f.lag, 0)}</td>
    <td>${fmt(f.dead_letters, 0)}</td><td>${fmt(f.invocations, 0)}</td></tr>`).join('') ||
    '<tr><td colspan="4" class="muted">no functions reported yet</td></tr>';
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
