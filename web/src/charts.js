// Small wrappers over uPlot: time series that grow with each snapshot, and bar distributions.
import uPlot from 'uplot';

const PALETTE = ['#1f6feb', '#d33', '#1e9e4a', '#e08a00', '#6b4fbb'];

export class Series {
  constructor(el, labels, { max = 600 } = {}) {
    this.el = el;
    this.labels = labels;
    this.max = max;
    this.data = [[], ...labels.map(() => [])];
    this.plot = null;
  }

  push(t, values) {
    this.data[0].push(t);
    values.forEach((v, i) => this.data[i + 1].push(v));
    if (this.data[0].length > this.max) this.data.forEach((a) => a.shift());
    this.render();
  }

  render() {
    if (!this.el.isConnected || this.el.offsetParent === null) return;  // hidden page: drawn when shown
    const width = Math.max(300, this.el.clientWidth || 400);
    if (!this.plot) {
      this.plot = new uPlot({
        width, height: 220,
        series: [{}, ...this.labels.map((label, i) => ({ label, stroke: PALETTE[i % PALETTE.length], width: 2 }))],
        axes: [{}, { size: 60 }],
      }, this.data, this.el);
    } else {
      if (Math.abs(this.plot.width - width) > 4) this.plot.setSize({ width, height: 220 });
      this.plot.setData(this.data);
    }
  }
}

// A histogram as bars: bounds (seconds, null for +Inf) and per-bucket counts.
export class Distribution {
  constructor(el, label) { this.el = el; this.label = label; this.plot = null; this.last = null; }

  set(dist) {
    this.last = dist;
    this.render();
  }

  render() {
    const dist = this.last;
    if (!dist || !this.el.isConnected || this.el.offsetParent === null) return;
    const xs = dist.bounds.map((b, i) => (b === null ? (dist.bounds[i - 1] || 0) / 60 + 15 : b / 60));
    const data = [xs, dist.counts];
    const width = Math.max(300, this.el.clientWidth || 400);
    if (!this.plot) {
      this.plot = new uPlot({
        width, height: 220,
        scales: { x: { time: false } },
        series: [{ label: 'minutes (bucket upper bound)' },
          { label: this.label, stroke: '#1f6feb', fill: 'rgba(31,111,235,0.3)', paths: uPlot.paths.bars({ size: [0.8, 40] }) }],
        axes: [{}, { size: 50 }],
      }, data, this.el);
    } else {
      this.plot.setData(data);
    }
  }
}

// Lines over an x axis given whole (not grown point by point): the hourly forecast band against
// actual orders. `series` are [{label, color, dash, points}] with one value (or null) per x.
export class Lines {
  constructor(el) { this.el = el; this.plot = null; this.last = null; this.key = ''; }

  set(xs, series) {
    this.last = { xs, series };
    this.render();
  }

  render() {
    if (!this.last || !this.el.isConnected || this.el.offsetParent === null) return;
    const { xs, series } = this.last;
    const key = series.map((s) => s.label).join('|');
    const data = [xs, ...series.map((s) => s.values)];
    const width = Math.max(300, this.el.clientWidth || 400);
    if (this.plot && this.key !== key) { this.plot.destroy(); this.plot = null; }
    if (!this.plot) {
      this.key = key;
      this.plot = new uPlot({
        width, height: 220,
        series: [{}, ...series.map((s) => ({
          label: s.label, stroke: s.color, width: s.width || 2, dash: s.dash,
          points: { show: !!s.points, size: 9, fill: s.color },
        }))],
        axes: [{}, { size: 50 }],
      }, data, this.el);
    } else {
      if (Math.abs(this.plot.width - width) > 4) this.plot.setSize({ width, height: 220 });
      this.plot.setData(data);
    }
  }
}
