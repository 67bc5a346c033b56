// Drives the operations console in Debian's chromium through playwright-core, as an operator would:
// log in, watch riders move on the live map (the test moves them over the rider API), open a zone,
// watch an alarm fire and clear on the platform page (the test drives the metric it watches).
// Places orders in a zone and checks the zone page against the API: actual orders, the "no
// forecast yet" state, the current fee; then installs a demand model trained by `hotpath forecast
// train` on a synthetic (seeded) history and checks the forecast and the riders needed.
// Saves a screenshot of each page into OUT_DIR. Exits non-zero with a message on the first failure.
// Usage: node console.mjs BASE_URL ADMIN_EMAIL PASSWORD RIDER_EMAIL OUT_DIR HOTPATH_BIN DATA_DIR
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(process.env.CONSOLE_NODE_MODULES + '/');
const { chromium } = require('playwright-core');

const [base, adminEmail, password, riderEmail, outDir, hotpathBin, dataDir] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const deadline = Date.now() + 150_000;
mkdirSync(outDir, { recursive: true });

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
function step(name) { console.log(`-- ${name}`); }

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
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

  step('riders move on the map');
  const rider = await api('POST', '/v1/auth/login', { email: riderEmail, password });
  const me = await api('GET', '/v1/riders/me', undefined, rider.token);
  const start = me.location;
  const riderId = rider.user.id;
  const shown = (id) => page.evaluate((rid) => {
    const r = window.__console.snapshot.riders.find((x) => x[0] === rid);
    return r ? [r[1], r[2]] : null;
  }, id);
  const before = await shown(riderId);
  if (!before) throw new Error(`rider ${riderId} is not on the map`);
  // Walk the rider north-east in a few steps; the map must follow.
  for (let i = 1; i <= 3; i++) {
    await api('POST', '/v1/riders/me/location', { lat: start.lat + 0.0005 * i, lon: start.lon + 0.0005 * i }, rider.token);
    await page.waitForFunction(([rid, lat]) => {
      const r = window.__console.snapshot.riders.find((x) => x[0] === rid);
      return r && Math.abs(r[1] - lat) < 1e-4;
    }, [riderId, start.lat + 0.0005 * i], { timeout: left() });
  }
  // The rider's dot is drawn where the map projects the new position (green: available).
  await page.waitForFunction(() => performance.now() - window.__console.map.animStart > window.__console.map.animMs);
  const pixel = await page.evaluate((rid) => {
    const m = window.__console.map;
    const p = m.positionsAt(performance.now()).get(rid);
    m.draw();
    const [x, y] = m.lastXY(p[0], p[1]);
    const dpr = window.devicePixelRatio || 1;
    return Array.from(m.canvas.getContext('2d').getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data);
  }, riderId);
  const [r, g, b] = pixel;
  const isRiderColour = (g > 120 && r < 100 && b < 120) || (r > 200 && g > 100 && b < 60);
  if (!isRiderColour) throw new Error(`no rider dot at the rider's projected position (pixel ${pixel})`);
  await page.screenshot({ path: join(outDir, 'map.png') });

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
  const admin = await api('POST', '/v1/auth/login', { email: adminEmail, password });
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

  step('an alarm fires and clears on the platform page');
  await api('PUT', '/v1/alarms/browser-busy-zones', {
    metric: 'hotpath_http_requests_total', labels: { route: '/v1/zones', method: 'GET' }, statistic: 'rate',
    period_s: 1, threshold: 5, comparison: '>', evaluation_periods: 2, datapoints_to_alarm: 1,
  }, admin.token);
  await page.click('#nav a[data-page=platform]');
  await page.waitForSelector('#alarms-table tr[data-alarm="browser-busy-zones"]');
  let driving = true;
  const drive = (async () => {
    while (driving) await Promise.all(Array.from({ length: 10 }, () => fetch(base + '/v1/zones').then((r) => r.text())));
  })();
  await page.waitForSelector('#alarms-table tr[data-alarm="browser-busy-zones"] .state.ALARM', { timeout: left() });
  await page.screenshot({ path: join(outDir, 'platform-alarm.png') });
  driving = false;
  await drive;
  await page.waitForSelector('#alarms-table tr[data-alarm="browser-busy-zones"] .state.OK', { timeout: left() });
  await page.click('#alarms-table tr[data-alarm="browser-busy-zones"]');
  await page.waitForSelector('#alarm-history li[data-new-state="ALARM"]');
  await page.waitForSelector('#alarm-history li[data-new-state="OK"]');
  await page.waitForSelector('#routes-table tbody tr');
  await page.waitForSelector('#plat-rate .uplot');
  // A single process has no autoscaler, and says so; request rate with its change.
  await page.waitForSelector('#autoscaler[data-state="single"] [data-empty="autoscaler"]');
  await page.waitForSelector('#plat-kpis [data-kpi="Requests/s"] .delta');
  await page.screenshot({ path: join(outDir, 'platform.png'), fullPage: true });

  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  console.log('console browser test passed; screenshots in ' + outDir);
} catch (e) {
  if (page) await page.screenshot({ path: join(outDir, 'failure.png') }).catch(() => {});
  console.error('FAILED: ' + (e && e.stack ? e.stack : e));
  process.exitCode = 1;
} finally {
  await browser.close();
}
