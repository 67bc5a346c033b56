// Drives the operations console in Debian's chromium through playwright-core, as an operator would:
// log in, watch riders move on the live map (the test moves them over the rider API), open a zone,
// watch an alarm fire and clear on the platform page (the test drives the metric it watches).
// Saves a screenshot of each page into OUT_DIR. Exits non-zero with a message on the first failure.
// Usage: node console.mjs BASE_URL ADMIN_EMAIL PASSWORD RIDER_EMAIL OUT_DIR
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(process.env.CONSOLE_NODE_MODULES + '/');
const { chromium } = require('playwright-core');

const [base, adminEmail, password, riderEmail, outDir] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const deadline = Date.now() + 150_000;
mkdirSync(outDir, { recursive: true });

async function api(method, path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
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

  step('an alarm fires and clears on the platform page');
  const admin = await api('POST', '/v1/auth/login', { email: adminEmail, password });
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
