// REST calls and the live WebSocket of the console.
export class Api {
  constructor() { this.token = sessionStorage.getItem('hotpath.token') || ''; }

  async request(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    const data = text ? JSON.parse(text) : null;
    if (!r.ok) {
      const err = new Error((data && (data.detail || data.title)) || `HTTP ${r.status}`);
      err.status = r.status;
      throw err;
    }
    return data;
  }

  async login(email, password) {
    const s = await this.request('POST', '/v1/auth/login', { email, password });
    if (s.user.role !== 'admin') throw new Error('this account is not an admin');
    this.token = s.token;
    sessionStorage.setItem('hotpath.token', s.token);
    return s.user;
  }

  logout() { this.token = ''; sessionStorage.removeItem('hotpath.token'); }

  async me() { return this.request('GET', '/v1/users/me'); }

  // Calls onMessage with each parsed message; reconnects until close() is called. refresh()
  // reconnects at once, for a fresh hello (zones and restaurants).
  live(onMessage, onState) {
    let closed = false;
    let reopen = false;
    let ws = null;
    const open = () => {
      const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      ws = new WebSocket(`${proto}//${location.host}/v1/ops/live?access_token=${encodeURIComponent(this.token)}`);
      ws.onopen = () => onState('live');
      ws.onmessage = (e) => onMessage(JSON.parse(e.data));
      ws.onclose = () => {
        if (closed) return;
        if (reopen) { reopen = false; open(); return; }
        onState('reconnecting');
        setTimeout(open, 2000);
      };
    };
    open();
    return {
      close() { closed = true; if (ws) ws.close(); },
      refresh() { if (ws && ws.readyState === WebSocket.OPEN) { reopen = true; ws.close(); } },
    };
  }
}
