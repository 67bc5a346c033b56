// The live map on a plain canvas: zones, restaurants, riders (coloured by status, moving smoothly
// between snapshots), open orders and the dispatcher's plan (rider -> pickup -> drop-off).
const COLORS = { available: '#1e9e4a', busy: '#e08a00', restaurant: '#6b4fbb', waiting: '#d33',
  moving: '#1f6feb', plan: '#1f6feb', zoneFill: 'rgba(31,111,235,0.06)', zoneLine: 'rgba(31,111,235,0.45)' };

export class LiveMap {
  constructor(canvas) {
    this.canvas = canvas;
    this.hello = null;
    this.snapshot = null;
    this.from = new Map();  // rider id -> [lat, lon] at the start of the animation
    this.to = new Map();    // rider id -> [lat, lon] of the latest snapshot
    this.animStart = 0;
    this.animMs = 1000;
    this.frame = null;
    this.visible = false;
  }

  setHello(hello) {
    this.hello = hello;
    this.restaurants = new Map(hello.restaurants.map((r) => [r[0], r]));
    this.animMs = hello.interval_ms || 1000;
    this.fit(performance.now());  // a new hello may bring zones or restaurants: the view keeps up
  }

  setSnapshot(s) {
    const now = performance.now();
    const cur = this.positionsAt(now);
    this.from = cur;
    this.to = new Map(s.riders.map((r) => [r[0], [r[1], r[2]]]));
    this.snapshot = s;
    this.orders = new Map(s.orders.map((o) => [o[0], o]));
    this.animStart = now;
    this.fit(now);
    this.kick();
  }

  // The view follows what there is to show without jumping at every snapshot: it widens (with a
  // margin, so the next small moves stay inside) as soon as something falls outside it, narrows
  // only once everything would fit in a quarter of its area, and eases to a new view over one
  // interval. The first view is set at once.
  fit(now) {
    const c = this.computeBounds();
    if (!c) return;
    const v = this.target;
    if (!v) {
      this.target = this.bounds = pad(c, 0.05);
      return;
    }
    const next = pad(c, 0.1);
    const outside = c.minLat < v.minLat || c.maxLat > v.maxLat || c.minLon < v.minLon || c.maxLon > v.maxLon;
    const small = area(next) < 0.25 * area(v);
    if (!outside && !small) return;
    this.boundsFrom = this.boundsAt(now);
    this.target = next;
    this.boundsStart = now;
  }

  // The view at time t: easing from boundsFrom to target.
  boundsAt(t) {
    const to = this.target;
    if (!to || !this.boundsFrom) return to;
    const k = Math.min(1, (t - this.boundsStart) / this.animMs);
    if (k >= 1) { this.boundsFrom = null; return to; }
    const e = k * (2 - k);  // ease out
    const f = this.boundsFrom;
    const mix = (a, b) => a + (b - a) * e;
    return { minLat: mix(f.minLat, to.minLat), maxLat: mix(f.maxLat, to.maxLat),
      minLon: mix(f.minLon, to.minLon), maxLon: mix(f.maxLon, to.maxLon) };
  }

  positionsAt(t) {
    const k = Math.min(1, (t - this.animStart) / this.animMs);
    const out = new Map();
    for (const [id, p] of this.to) {
      const f = this.from.get(id) || p;
      out.set(id, [f[0] + (p[0] - f[0]) * k, f[1] + (p[1] - f[1]) * k]);
    }
    return out;
  }

  // The extent of everything drawn: zones, restaurants, riders (where they are heading) and drop-offs.
  computeBounds() {
    let [minLat, maxLat, minLon, maxLon] = [90, -90, 180, -180];
    let any = false;
    const add = (la, lo) => {
      minLat = Math.min(minLat, la); maxLat = Math.max(maxLat, la);
      minLon = Math.min(minLon, lo); maxLon = Math.max(maxLon, lo);
      any = true;
    };
    if (this.hello) {
      for (const z of this.hello.zones) for (const [la, lo] of z.polygon) add(la, lo);
      for (const r of this.hello.restaurants) add(r[2], r[3]);
    }
    if (this.snapshot) {
      for (const r of this.snapshot.riders) add(r[1], r[2]);
      for (const o of this.snapshot.orders) add(o[3], o[4]);
    }
    return any ? { minLat, maxLat, minLon, maxLon } : null;
  }

  show(visible) { this.visible = visible; if (visible) this.kick(); }

  kick() {
    if (!this.visible || this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = null; this.draw(); });
  }

  draw() {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (c.width !== w * dpr || c.height !== h * dpr) { c.width = w * dpr; c.height = h * dpr; }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = '#fbfbfd';
    g.fillRect(0, 0, w, h);
    const t = performance.now();
    const b = this.boundsAt(t);
    this.bounds = b;
    if (!b || !this.hello) return;
    // Equirectangular with the longitude scaled by cos(latitude), fitted into the canvas.
    const kLon = Math.cos(((b.minLat + b.maxLat) / 2) * Math.PI / 180);
    const spanX = (b.maxLon - b.minLon) * kLon, spanY = b.maxLat - b.minLat;
    const scale = Math.min(w / spanX, h / spanY);
    const ox = (w - spanX * scale) / 2, oy = (h - spanY * scale) / 2;
    const xy = (lat, lon) => [ox + (lon - b.minLon) * kLon * scale, oy + (b.maxLat - lat) * scale];
    this.lastXY = xy;

    for (const z of this.hello.zones) {
      g.beginPath();
      z.polygon.forEach(([la, lo], i) => { const [x, y] = xy(la, lo); i ? g.lineTo(x, y) : g.moveTo(x, y); });
      g.closePath();
      g.fillStyle = COLORS.zoneFill; g.fill();
      g.strokeStyle = COLORS.zoneLine; g.lineWidth = 1.5; g.stroke();
      const [lx, ly] = xy(z.polygon[0][0], z.polygon[0][1]);
      g.fillStyle = '#3a4660'; g.font = '12px system-ui'; g.fillText(z.name, lx + 4, ly + 14);
    }
    g.fillStyle = COLORS.restaurant;
    for (const r of this.hello.restaurants) { const [x, y] = xy(r[2], r[3]); g.fillRect(x - 3, y - 3, 6, 6); }

    const s = this.snapshot;
    if (!s) { if (this.boundsFrom) this.kick(); return; }
    const pos = this.positionsAt(t);
    // Plan: rider -> restaurant -> each drop-off.
    g.lineWidth = 1.2;
    for (const [rider, restaurant, orderIds, committed] of s.plan) {
      const p = pos.get(rider), r = this.restaurants.get(restaurant);
      if (!p || !r) continue;
      g.strokeStyle = COLORS.plan; g.setLineDash(committed ? [] : [4, 3]);
      g.beginPath();
      let [x, y] = xy(p[0], p[1]); g.moveTo(x, y);
      [x, y] = xy(r[2], r[3]); g.lineTo(x, y);
      for (const id of orderIds) { const o = this.orders.get(id); if (o) { [x, y] = xy(o[3], o[4]); g.lineTo(x, y); } }
      g.stroke();
    }
    g.setLineDash([]);
    // Orders: at their drop-off; picked-up ones linked to their rider.
    for (const o of s.orders) {
      const [x, y] = xy(o[3], o[4]);
      const moving = o[1] === 'picked_up';
      if (moving && o[5] && pos.get(o[5])) {
        const [rx, ry] = xy(...pos.get(o[5]));
        g.strokeStyle = 'rgba(31,111,235,0.35)'; g.beginPath(); g.moveTo(rx, ry); g.lineTo(x, y); g.stroke();
      }
      g.fillStyle = moving ? COLORS.moving : COLORS.waiting;
      g.beginPath(); g.arc(x, y, 2.5, 0, Math.PI * 2); g.fill();
    }
    for (const r of s.riders) {
      const p = pos.get(r[0]);
      const [x, y] = xy(p[0], p[1]);
      g.fillStyle = r[3] === 'busy' ? COLORS.busy : COLORS.available;
      g.beginPath(); g.arc(x, y, 4, 0, Math.PI * 2); g.fill();
    }
    if (t - this.animStart < this.animMs || this.boundsFrom) this.kick();
  }
}

// b widened by `share` of its span on each side, and to at least MIN_SPAN degrees (about 2 km)
// each way, so a lone restaurant or a huddle of riders is not blown up to fill the canvas.
const MIN_SPAN = 0.02;
function pad(b, share) {
  const padLat = Math.max((b.maxLat - b.minLat) * share, (MIN_SPAN - (b.maxLat - b.minLat)) / 2);
  const padLon = Math.max((b.maxLon - b.minLon) * share, (MIN_SPAN - (b.maxLon - b.minLon)) / 2);
  return { minLat: b.minLat - padLat, maxLat: b.maxLat + padLat, minLon: b.minLon - padLon, maxLon: b.maxLon + padLon };
}

function area(b) { return (b.maxLat - b.minLat) * (b.maxLon - b.minLon); }
