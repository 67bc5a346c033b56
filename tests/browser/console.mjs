// Drives the operations console in Debian's chromium through playwright-core, as an operator would,
// while `hotpath simulate` (started by test_console.py) runs the city: log in, watch the simulated
// riders move on the live map (checked against the tracking API), open a zone, pause a function
// from the platform page and watch its lag alarm fire (its webhook delivered to a receiver of this
// script) and clear once the function is resumed, and follow simulated orders on the map from
// placed to delivered (checked against each order's history in the API).
// Places orders in a zone and checks the zone page against the API: actual orders, the "no
// forecast yet" state, the current fee; then installs a demand model trained by `hotpath forecast
// train` on a synthetic (seeded) history and checks the forecast and the riders needed.
// Saves a screenshot of each page into OUT_DIR. Exits non-zero with a message on the first failure.
// Usage: ALARM_SECRET=.. node console.mjs BASE_URL ADMIN_EMAIL PASSWORD RIDER_EMAIL OUT_DIR HOTPATH_BIN DATA_DIR
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const require = createRequire(process.env.CONSOLE_NODE_MODULES + '/');
const { chromium } = require('playwright-core');

const [base, adminEmail, password, riderEmail, outDir, hotpathBin, dataDir] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ALARM_SECRET = process.env.ALARM_SECRET || '';
const deadline = Date.now() + 170_000;
mkdirSync(outDir, { recursive: true });

// The alarm's webhook target: records every delivery with whether its signature is right.
const hooks = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const want = 'sha256=' + createHmac('sha256', ALARM_SECRET).update(`${req.headers['hotpath-timestamp']}.${body}`).digest('hex');
    hooks.push({ signed: req.headers['hotpath-signature'] === want, event: JSON.parse(body) });
    res.writeHead(204);
    res.end();
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/oncall`;

// The answer's status and body, for the answers that are expected to be errors.
async function probe(path, token) {
  const r = await fetch(base + path, { headers: { Authorization: `Bearer ${token}` } });
  return { status: r.status, body: await r.json() };
}

async function api(method, path, body, token, extra = {}) {
  const headers = { 'Content-Type': 'application/json', ...extra };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function left() { return Math.max(1000, deadline - Date.now()); }
const t0 = Date.now();
let page;
// Each step's waits may take what is left of the walkthrough's own deadline: a fixed 30 s per wait
// was a guess at the machine's load (a zone page took longer at load 30 on the 2 cores).
function step(name) {
  console.log(`-- ${((Date.now() - t0) / 1000).toFixed(1)} s: ${name}`);
  if (page) page.setDefaultTimeout(left());
}

// Polls `cond` (async) until it returns a truthy value, at most `ms`.
async function until(cond, what, ms = left()) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function metres(a, b) {
  const k = Math.PI / 180;
  const x = (b[1] - a[1]) * k * Math.cos(((a[0] + b[0]) / 2) * k);
  return Math.hypot(x, (b[0] - a[0]) * k) * 6371000;
}

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  step('login');
  await page.goto(base + '/console/');
  await page.waitForSelector('#login:not([hidden])');
  await page.screenshot({ path: join(outDir, 'login.png') });
  await page.fill('input[name=email]', riderEmail);
  await page.fill('input[name=password]', password);
  await page.click('#login button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.includes('not an admin'));
  await page.fill('input[name=email]', adminEmail);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#page-map:not([hidden])');
  await page.waitForFunction(() => window.__console.snapshots >= 1 && window.__console.snapshot.riders.length > 0);

  // Everything the map shows, snapshot by snapshot: each open order's statuses (and rider) until it
  // leaves the map, each rider's first and latest position.
  await page.evaluate(() => {
    const seen = { orders: {}, riders: {}, last: null };
    window.__seen = seen;
    setInterval(() => {
      const s = window.__console.snapshot;
      if (!s || s === seen.last) return;
      seen.last = s;
      const open = new Set();
      for (const [id, status, , , , rider] of s.orders) {
        open.add(id);
        const o = seen.orders[id] || (seen.orders[id] = { statuses: [], rider: null, gone: null });
        if (o.statuses[o.statuses.length - 1] !== status) o.statuses.push(status);
        if (rider) o.rider = rider;
      }
      for (const [id, o] of Object.entries(seen.orders)) if (!open.has(id) && !o.gone) o.gone = s.at;
      for (const [id, lat, lon, status] of s.riders) {
        const r = seen.riders[id] || (seen.riders[id] = { first: [lat, lon] });
        r.last = [lat, lon];
        r.status = status;
      }
    }, 50);
  });

  const admin = await api('POST', '/v1/auth/login', { email: adminEmail, password });

  step('zones and one zone');
  await page.click('#nav a[data-page=zones]');
  await page.waitForSelector('#zones-table tbody tr[data-zone]');
  await page.screenshot({ path: join(outDir, 'zones.png') });
  await page.click('#zones-table tbody tr[data-zone]');
  await page.waitForSelector('#page-zone:not([hidden])');
  await page.waitForFunction(() => document.querySelector('#zone-title').textContent.startsWith('Zone '));
  await page.waitForSelector('#zone-kpis [data-kpi="Riders online"]');
  await page.waitForSelector('#zone-orders .uplot');
  await page.waitForSelector('#zone-c2d .uplot');
  const online = Number(await page.textContent('#zone-kpis [data-kpi="Riders online"] b'));
  if (!(online >= 0)) throw new Error('riders online is not a number');
  await page.screenshot({ path: join(outDir, 'zone.png') });

  step('a zone with orders: actual, no forecast yet, the current fee');
  const customer = await api('POST', '/v1/auth/login', { email: 'customer@demo.hotpath.dev', password });
  const hello = await page.evaluate(() => window.__console.hello);
  const restaurant = hello.restaurants.find((r) => r[4]);
  const menu = await api('GET', `/v1/restaurants/${restaurant[0]}/menu`);
  const item = menu.items.find((i) => i.available);
  let zone = null;
  for (let n = 0; n < 2; n++) {
    const o = await api('POST', '/v1/orders', {
      restaurant_id: restaurant[0], items: [{ item_id: item.id, quantity: 1 }],
      delivery: { lat: restaurant[2] + 0.002 * (n + 1), lon: restaurant[3] + 0.002, address: `${n + 1} Console Street` },
      payment_method: 'tok_visa',
    }, customer.token, { 'Idempotency-Key': `console-test-${Date.now()}-${n}` });
    zone = o.zone_id;
  }
  if (!zone) throw new Error('the placed orders have no zone');
  const noModel = await probe(`/v1/forecast?zone=${encodeURIComponent(zone)}`, admin.token);
  if (noModel.status !== 409) throw new Error(`expected 409 before any model, got ${noModel.status}`);
  await page.evaluate((z) => { location.hash = `#/zones/${encodeURIComponent(z)}`; }, zone);
  await page.waitForSelector('#zone-forecast-panel[data-state="no-forecast"] [data-empty="forecast"]', { timeout: left() });
  const emptyText = await page.textContent('[data-empty="forecast"]');
  if (!emptyText.includes('No forecast yet')) throw new Error(`forecast panel says: ${emptyText}`);
  await page.waitForSelector('#zone-staffing-panel[data-state="no-plan"]');
  await page.waitForFunction(() => Number(document.querySelector('#zone-kpis [data-kpi="Orders this hour"] b')?.textContent) >= 2,
    undefined, { timeout: left() });
  const perMin = Number(await page.textContent('#zone-kpis [data-kpi="Orders/min"] b'));
  if (!(perMin >= 2)) throw new Error(`orders per minute ${perMin}, 2 were just placed`);
  const deltaText = await page.textContent('#zone-kpis [data-kpi="Orders/min"] .delta');
  if (!deltaText.includes('the minute before')) throw new Error(`orders per minute without its delta: ${deltaText}`);
  await page.waitForSelector('#zone-fee[data-state="fee"]');
  const fee = await api('GET', `/v1/zones/${encodeURIComponent(zone)}/fee`, undefined, admin.token);
  const shownFee = await page.textContent('#zone-fee [data-fee="amount"] b');
  const expectFee = `${(fee.fee.amount / 100).toFixed(2)} ${fee.fee.currency}`;
  if (!fee.dynamic_fees && shownFee !== expectFee) throw new Error(`fee shown ${shownFee}, the API says ${expectFee}`);
  if (!/^\d+\.\d\d [A-Z]{3}$/.test(shownFee)) throw new Error(`fee shown as ${shownFee}`);
  await page.screenshot({ path: join(outDir, 'zone-no-forecast.png'), fullPage: true });

  step('the zone with a trained demand model: forecast against actual, riders needed');
  // 21 days of hourly orders per zone up to the last complete hour (a daily cycle plus seeded noise),
  // trained by the real tool into the file the server reloads when it changes.
  const hourMs = 3600000;
  const end = Math.floor(Date.now() / hourMs) * hourMs;
  let seed = 7;
  const lines = ['unique_id,ds,y'];
  for (const z of hello.zones) {
    for (let t = end - 21 * 24 * hourMs; t < end; t += hourMs) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const h = new Date(t).getUTCHours();
      lines.push(`${z.id},${new Date(t).toISOString().slice(0, 16).replace('T', ' ')},${Math.max(0, Math.round(6 + 4 * Math.sin((2 * Math.PI * h) / 24) + (seed % 3)))}`);
    }
  }
  mkdirSync(join(dataDir, 'forecast'), { recursive: true });
  writeFileSync(join(outDir, 'panel.csv'), lines.join('\n') + '\n');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HOTPATH_')));
  execFileSync(hotpathBin, ['forecast', 'train', '--data', join(outDir, 'panel.csv'), '--model', 'ets_sqrt_robust',
    '--horizon', '48', '--out', join(dataDir, 'forecast', 'orders.model')], { env, stdio: 'pipe' });
  const fc = await api('GET', `/v1/forecast?zone=${encodeURIComponent(zone)}`, undefined, admin.token);
  const hourNow = Math.floor(Date.parse(await page.evaluate(() => window.__console.snapshot.at)) / hourMs) * hourMs;
  const pointNow = fc.points.find((p) => Date.parse(p.at) === hourNow);
  if (!pointNow) throw new Error(`no forecast for the current hour in ${JSON.stringify(fc.points.slice(0, 2))}`);
  const plan = await api('GET', `/v1/staffing/plan?zone=${encodeURIComponent(zone)}&date=${new Date(hourNow).toISOString().slice(0, 10)}`,
    undefined, admin.token);
  const needNow = plan.hours.find((h) => Date.parse(h.at) === hourNow);
  // Reopening the zone fetches afresh.
  await page.click('#nav a[data-page=zones]');
  await page.evaluate((z) => { location.hash = `#/zones/${encodeURIComponent(z)}`; }, zone);
  await page.waitForSelector('#zone-forecast-panel[data-state="forecast"] #zone-forecast .uplot', { timeout: left() });
  await page.waitForSelector('#zone-staffing-panel[data-state="plan"] #zone-staffing tbody tr.now');
  const shownQ50 = await page.textContent('#zone-kpis [data-kpi="Forecast this hour"] b');
  if (shownQ50 !== Number(pointNow.q50).toFixed(1)) throw new Error(`forecast shown ${shownQ50}, the API says ${pointNow.q50}`);
  const shownNeed = await page.textContent('#zone-kpis [data-kpi="Riders needed"] b');
  if (needNow && shownNeed !== String(needNow.couriers)) throw new Error(`riders needed ${shownNeed}, the plan says ${needNow.couriers}`);
  const chart = await page.evaluate(() => window.__console.forecastChart.last);
  const labels = chart.series.map((x) => x.label);
  const actual = chart.series.find((x) => x.label === 'actual').values;
  const at = chart.xs.indexOf(hourNow / 1000);
  if (!labels.includes('forecast q50') || at < 0 || !(actual[at] >= 2)) {
    throw new Error(`forecast chart without the actual orders of this hour: ${JSON.stringify({ labels, at, actual })}`);
  }
  await page.screenshot({ path: join(outDir, 'zone-forecast.png'), fullPage: true });

  step('a paused function falls behind: its lag alarm fires, notifies, and clears once resumed');
  await api('PUT', '/v1/alarms/analytics-lag', {
    metric: 'hotpath_function_lag', labels: { function: 'analytics' }, statistic: 'average',
    period_s: 1, threshold: 3, comparison: '>=', evaluation_periods: 2, datapoints_to_alarm: 1, notify: [hookUrl],
  }, admin.token);
  await page.click('#nav a[data-page=platform]');
  await page.waitForSelector('#alarms-table tr[data-alarm="analytics-lag"] .state.OK', { timeout: left() });
  const fnRow = '#functions-table tr[data-function="analytics"]';
  await page.click(`${fnRow} button[data-action=pause]`);
  await page.waitForSelector(`${fnRow} .fn-state.paused`);
  const paused = (await api('GET', '/v1/functions', undefined, admin.token)).items.find((f) => f.name === 'analytics');
  if (paused.state !== 'paused') throw new Error(`the API says analytics is ${paused.state} after the console paused it`);
  // Orders keep coming (the simulator's and three more): events the paused consumer does not read.
  for (let n = 0; n < 3; n++) {
    await api('POST', '/v1/orders', {
      restaurant_id: restaurant[0], items: [{ item_id: item.id, quantity: 1 }],
      delivery: { lat: restaurant[2] + 0.001 * (n + 1), lon: restaurant[3] - 0.002, address: `${n + 1} Lag Street` },
      payment_method: 'tok_visa',
    }, customer.token, { 'Idempotency-Key': `console-lag-${Date.now()}-${n}` });
  }
  await page.waitForSelector('#alarms-table tr[data-alarm="analytics-lag"] .state.ALARM', { timeout: left() });
  const shownLag = Number(await page.textContent(`${fnRow} td:nth-child(3)`));
  if (!(shownLag >= 3)) throw new Error(`the console shows a lag of ${shownLag} for the paused function`);
  await until(() => hooks.find((h) => h.event.data.alarm === 'analytics-lag' && h.event.data.new_state === 'ALARM'),
    'the ALARM notification on the webhook');
  await page.screenshot({ path: join(outDir, 'platform-alarm.png'), fullPage: true });
  await page.click(`${fnRow} button[data-action=resume]`);
  await page.waitForSelector(`${fnRow} .fn-state.running`);
  await page.waitForSelector('#alarms-table tr[data-alarm="analytics-lag"] .state.OK', { timeout: left() });
  await until(() => hooks.find((h) => h.event.data.alarm === 'analytics-lag' && h.event.data.old_state === 'ALARM' &&
    h.event.data.new_state === 'OK'), 'the OK notification on the webhook');
  if (hooks.some((h) => !h.signed)) throw new Error('a webhook delivery without a valid signature');
  const caughtUp = (await api('GET', '/v1/functions', undefined, admin.token)).items.find((f) => f.name === 'analytics');
  if (caughtUp.state !== 'running') throw new Error(`analytics is ${caughtUp.state} after the console resumed it`);
  await page.click('#alarms-table tr[data-alarm="analytics-lag"]');
  await page.waitForSelector('#alarm-history li[data-new-state="ALARM"]');
  await page.waitForSelector('#alarm-history li[data-new-state="OK"]');
  await page.waitForSelector('#routes-table tbody tr');
  await page.waitForSelector('#plat-rate .uplot');
  // A single process has no autoscaler, and says so; request rate with its change.
  await page.waitForSelector('#autoscaler[data-state="single"] [data-empty="autoscaler"]');
  await page.waitForSelector('#plat-kpis [data-kpi="Requests/s"] .delta');
  await page.screenshot({ path: join(outDir, 'platform.png'), fullPage: true });

  step('the simulator moves riders on the map');
  await page.click('#nav a[data-page=map]');
  await page.waitForSelector('#page-map:not([hidden])');
  const moving = await until(() => page.evaluate(() => {
    const ids = Object.entries(window.__seen.riders).filter(([, r]) => {
      const k = Math.PI / 180;
      const dx = (r.last[1] - r.first[1]) * k * Math.cos(r.last[0] * k), dy = (r.last[0] - r.first[0]) * k;
      return Math.hypot(dx, dy) * 6371000 > 100;
    }).map(([id]) => id);
    return ids.length >= 3 ? ids : null;
  }), 'three riders moving more than 100 m on the map');
  // Where the map puts a moving rider is where the tracking API has it (a rider moves at most
  // 50 m/s and the snapshot is at most a second old).
  const zones = (await page.evaluate(() => window.__console.hello.zones)).map((z) => z.id);
  const tracked = new Map();
  for (const z of zones) {
    for (const r of (await api('GET', `/v1/zones/${encodeURIComponent(z)}/riders`, undefined, admin.token)).items) tracked.set(r.rider_id, r);
  }
  const riderId = moving.find((id) => tracked.has(id));
  if (!riderId) throw new Error(`none of the moving riders ${moving} is tracked by the API`);
  const onMap = await page.evaluate((rid) => window.__console.snapshot.riders.find((x) => x[0] === rid), riderId);
  const gap = metres([onMap[1], onMap[2]], [tracked.get(riderId).lat, tracked.get(riderId).lon]);
  if (!(gap < 250)) throw new Error(`rider ${riderId} is ${gap.toFixed(0)} m from where the API tracks it`);
  // The rider's dot is drawn where the map projects its current position (green available, orange busy).
  const pixel = await page.evaluate((rid) => {
    const m = window.__console.map;
    m.draw();
    const p = m.positionsAt(performance.now()).get(rid);
    const [x, y] = m.lastXY(p[0], p[1]);
    const dpr = window.devicePixelRatio || 1;
    return Array.from(m.canvas.getContext('2d').getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data);
  }, riderId);
  const [r, g, b] = pixel;
  const isRiderColour = (g > 120 && r < 100 && b < 120) || (r > 200 && g > 100 && b < 60);
  if (!isRiderColour) throw new Error(`no rider dot at the rider's projected position (pixel ${pixel})`);
  await page.screenshot({ path: join(outDir, 'map.png') });

  step('simulated orders go from placed to delivered on the map, as the API tells');
  const followed = await until(() => page.evaluate(() => Object.entries(window.__seen.orders).find(([, o]) =>
    ['placed', 'accepted'].includes(o.statuses[0]) && o.statuses.includes('picked_up') && o.rider && o.gone)),
  'an order seen on the map from placed or accepted to picked up, then leaving the map');
  const [orderId, seenOrder] = followed;
  const order = await api('GET', `/v1/orders/${orderId}`, undefined, admin.token);
  if (order.status !== 'delivered') throw new Error(`order ${orderId} left the map as ${order.status}`);
  if (order.rider_id !== seenOrder.rider) throw new Error(`order ${orderId}: rider ${seenOrder.rider} on the map, ${order.rider_id} in the API`);
  const history = order.history.map((x) => x.status);
  let from = 0;
  for (const st of seenOrder.statuses) {
    from = history.indexOf(st, from);
    if (from < 0) throw new Error(`order ${orderId}: the map showed ${seenOrder.statuses}, its history is ${history}`);
  }
  console.log(`followed ${orderId}: map ${seenOrder.statuses.join(' > ')} > gone; API ${history.join(' > ')}`);
  await page.screenshot({ path: join(outDir, 'map-simulated.png') });

  step('a zone created while the console is open appears on the map, and the view widens to it');
  const before = await page.evaluate(() => window.__console.map.target);
  const north = before.maxLat + 0.05;  // about 5 km beyond the top of the current view
  const centre = (before.minLon + before.maxLon) / 2;
  const far = await api('POST', '/v1/zones', { name: 'Far north', polygon: [[north, centre - 0.01], [north, centre + 0.01],
    [north + 0.01, centre + 0.01], [north + 0.01, centre - 0.01]].map(([lat, lon]) => ({ lat, lon })) }, admin.token);
  await until(() => page.evaluate((id) => {
    const m = window.__console.map;
    const t = m.target;
    return window.__console.hello.zones.some((z) => z.id === id) && !m.boundsFrom && t.maxLat > m.hello.zones
      .find((z) => z.id === id).polygon.reduce((a, p) => Math.max(a, p[0]), -90);
  }, far.id), 'the new zone in a fresh hello and inside the eased view', 15_000);
  const after = await page.evaluate(() => window.__console.map.target);
  if (!(after.minLat <= before.minLat + 1e-9)) throw new Error(`the view lost its south: ${JSON.stringify([before, after])}`);
  // The view does not move at a snapshot whose content stays inside the previous view.
  const views = await page.evaluate(() => new Promise((resolve) => {
    const out = [];
    let last = null;
    const timer = setInterval(() => {
      const m = window.__console.map;
      if (window.__console.snapshot === last) return;
      last = window.__console.snapshot;
      out.push({ view: JSON.stringify(m.target), content: m.computeBounds() });
      if (out.length === 4) { clearInterval(timer); resolve(out); }
    }, 50);
  }));
  for (let i = 1; i < views.length; i++) {
    const v = JSON.parse(views[i - 1].view), c = views[i].content;
    const inside = c.minLat >= v.minLat && c.maxLat <= v.maxLat && c.minLon >= v.minLon && c.maxLon <= v.maxLon;
    if (inside && views[i].view !== views[i - 1].view) throw new Error(`the view moved with everything inside it: ${views[i - 1].view} -> ${views[i].view}`);
  }
  await page.screenshot({ path: join(outDir, 'map-new-zone.png') });

  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  console.log('console browser test passed; screenshots in ' + outDir);
} catch (e) {
  if (page) await page.screenshot({ path: join(outDir, 'failure.png') }).catch(() => {});
  console.error('FAILED: ' + (e && e.stack ? e.stack : e));
  process.exitCode = 1;
} finally {
  await browser.close();
  receiver.close();
}
