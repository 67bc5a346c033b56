"""Shared harness for hotpath's API and scenario tests: start the real binary on an ephemeral
port in a temporary data directory, talk HTTP/SSE/WebSocket to it, and stop it.

Python 3 standard library only. The binary is $HOTPATH_BIN (set by CTest to the freshly built
target), else build/bin/hotpath in the repository.
"""

import atexit
import base64
import concurrent.futures
import http.client
import itertools
import json
import os
import queue
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import uuid

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("HOTPATH_BIN") or os.path.join(REPO, "build", "bin", "hotpath")

# The binary treats every HOTPATH_* variable as configuration and refuses unknown ones (HOTPATH_BIN
# is ours), and the tests must not inherit a developer's settings: children get none of them.
CHILD_ENV = {k: v for k, v in os.environ.items() if not k.startswith("HOTPATH_")}

# The storage backend the suite runs against: "sqlite" (default) or "postgres". With postgres, one
# throwaway PostgreSQL server is started per test process on first use (postgres_harness) and every
# data directory gets its own fresh database on it, so servers of one test never share data.
BACKEND = os.environ.get("HOTPATH_TEST_DATABASE", "sqlite")
if BACKEND not in ("sqlite", "postgres"):
    raise RuntimeError("HOTPATH_TEST_DATABASE must be sqlite or postgres, not %r" % BACKEND)
_postgres = None
_database_urls = {}
# The cache: "memory" (default) or "redis": one throwaway redis-server per test process
# (redis_harness), and every data directory gets its own Redis database on it.
CACHE = os.environ.get("HOTPATH_TEST_CACHE", "memory")
if CACHE not in ("memory", "redis"):
    raise RuntimeError("HOTPATH_TEST_CACHE must be memory or redis, not %r" % CACHE)
_redis = None
_cache_urls = {}


def redis_server():
    """The test process's redis-server (started on first use, stopped at exit)."""
    global _redis
    if _redis is None:
        import redis_harness  # noqa: PLC0415 - only the redis runs need it
        _redis = redis_harness.RedisServer().start()
    return _redis


def postgres_server():
    """The test process's PostgreSQL server (started on first use, stopped at exit)."""
    global _postgres
    if _postgres is None:
        import postgres_harness  # noqa: PLC0415 - only the postgres runs need it
        _postgres = postgres_harness.PostgresServer().start()
        atexit.register(_kill_leftovers)  # runs before the server's own stop (atexit is LIFO)
    return _postgres


def child_env(data_dir=None):
    """Environment for a hotpath child process using `data_dir`: with the postgres backend, the
    database URL of that data directory's own database."""
    env = dict(CHILD_ENV)
    key = os.path.realpath(data_dir) if data_dir is not None else None
    if key in _database_urls:
        env["HOTPATH_DATABASE_URL"] = _database_urls[key]
    elif BACKEND == "postgres" and key is not None:
        if key not in _database_urls:
            pg = postgres_server()
            _database_urls[key] = pg.url(pg.create_database())
        env["HOTPATH_DATABASE_URL"] = _database_urls[key]
    if key in _cache_urls:
        env["HOTPATH_CACHE_URL"] = _cache_urls[key]
    elif CACHE == "redis" and key is not None:
        r = redis_server()
        if len(_cache_urls) >= r.databases:
            raise RuntimeError("more data directories than Redis databases in one test process")
        _cache_urls[key] = r.url(len(_cache_urls))
        env["HOTPATH_CACHE_URL"] = _cache_urls[key]
    return env


def use_cache(data_dir, url):
    """Makes every hotpath process on `data_dir` use the cache at `url`."""
    _cache_urls[os.path.realpath(data_dir)] = url


def use_database(data_dir, url):
    """Makes every hotpath process on `data_dir` use the database at `url`."""
    _database_urls[os.path.realpath(data_dir)] = url


DEMO_PASSWORD = "demo-password"
DEMO_ADMIN = "admin@demo.hotpath.dev"
PASSWORD = "correct-horse-battery"

_counter = itertools.count(1)


def unique(prefix="u"):
    """A short string unique within this process and across processes."""
    return "%s%d%s" % (prefix, next(_counter), uuid.uuid4().hex[:8])


def unique_email(prefix="user"):
    return "%s@test.hotpath.dev" % unique(prefix)


def create_user_offline(data_dir, email, password, name, role, restaurant_id=None):
    """`hotpath admin create-user` against a data directory (server not running)."""
    cmd = [BIN, "admin", "create-user", "--data-dir", data_dir, "--email", email, "--password", password,
           "--name", name, "--role", role]
    if restaurant_id:
        cmd += ["--restaurant-id", restaurant_id]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=child_env(data_dir))
    if out.returncode != 0:
        raise RuntimeError("create-user failed (%d): %s %s" % (out.returncode, out.stdout, out.stderr))
    return out.stdout


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.body[:500])


class Client:
    """HTTP/1.1 keep-alive client; one connection per thread."""

    def __init__(self, host, port, timeout=30):
        self.host = host
        self.port = port
        self.timeout = timeout
        self._local = threading.local()
        self._all = []
        self._all_lock = threading.Lock()

    def _conn(self):
        c = getattr(self._local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = c
            with self._all_lock:
                self._all.append(c)
        return c

    def close_all(self):
        """Closes every thread's connection (at the end of a test module)."""
        with self._all_lock:
            for c in self._all:
                c.close()
            self._all = []

    def close(self):
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    def request(self, method, path, body=None, token=None, headers=None, raw=None):
        hdrs = {}
        data = None
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if token:
            hdrs["Authorization"] = "Bearer " + token
        if headers:
            hdrs.update(headers)
        for attempt in range(2):
            conn = self._conn()
            try:
                conn.request(method, path, body=data, headers=hdrs)
                resp = conn.getresponse()
                payload = resp.read()
                out = Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, payload)
                if resp.will_close:
                    self.close()
                return out
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server closed between requests: retry once on a fresh one.
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)


_live_servers = set()


@atexit.register
def _kill_leftovers():
    """A test module whose setUp failed after start() never runs its tearDown: no orphans."""
    for server in list(_live_servers):
        try:
            server.kill()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


# How long start() waits for the listening line: only a guard against a server that never starts
# (one that exits is noticed at once, through its closed stdout). A plain start takes well under a
# second of CPU. Seeding the demo city hashes its 52 accounts' passwords with Argon2id (interactive
# limits) in one thread: 10.7 s of CPU, which took 94 s of wall time at load 16-18 on the 2 cores
# (stress-ng --cpu 2 beside a ctest -j2), so a wall-clock bound near a minute only measured the load.
START_TIMEOUT_S = 60
DEMO_START_TIMEOUT_S = 240


class Server:
    """One hotpath process. start() returns when it prints its listening line."""

    def __init__(self, demo=False, data_dir=None, extra_args=None, env=None):
        self.demo = demo
        self.env = dict(env or {})  # extra HOTPATH_* settings
        self.owns_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="hotpath-test-")
        self.extra_args = list(extra_args or [])
        self.proc = None
        self.port = None
        self.stdout_lines = []
        self._lines = queue.Queue()
        self._clients = []

    def start(self, timeout=None):
        if timeout is None:
            timeout = DEMO_START_TIMEOUT_S if self.demo else START_TIMEOUT_S
        cmd = [BIN, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir] + self.extra_args
        if self.demo:
            cmd.append("--demo")
        self.stderr_path = os.path.join(self.data_dir, "server-%d.log" % next(_counter))
        self._stderr = open(self.stderr_path, "ab")
        self._lines = queue.Queue()  # one per process: a restart must not see the last one's end
        self._term_sent = False
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL,
                                     env={**child_env(self.data_dir), **self.env})
        _live_servers.add(self)
        threading.Thread(target=self._pump, args=(self.proc, self._lines), daemon=True).start()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise RuntimeError("hotpath did not start within %ss; log:\n%s" % (timeout, self.log_tail()))
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                code = self.proc.wait(timeout=10)
                self._close_pipes()
                raise RuntimeError("hotpath exited with %s before listening; log:\n%s" % (code, self.log_tail()))
            if " listening on http://" in line:
                self.port = int(line.rsplit(":", 1)[1])
                break
        return self

    def _pump(self, proc, lines):
        try:
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.stdout_lines.append(line)
                lines.put(line)
        except (ValueError, OSError):  # closed by stop() after the process exited
            pass
        lines.put(None)

    def log_tail(self, n=4000):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-n:]
        except OSError:
            return ""

    def client(self, timeout=30):
        c = Client("127.0.0.1", self.port, timeout=timeout)
        self._clients.append(c)
        return c

    def terminate(self):
        """Sends SIGTERM once (a second one is not a polite request); stop() then only waits."""
        if self.proc is not None and not self._term_sent:
            self._term_sent = True
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit code."""
        if self.proc is None:
            return None
        code = self.proc.poll()
        if code is None:
            self.terminate()
            try:
                code = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("hotpath did not stop within %ss of SIGTERM" % timeout)
        self._close_pipes()
        return code

    def _close_pipes(self):
        _live_servers.discard(self)
        self.proc.stdout.close()
        self._stderr.close()
        self.proc = None

    def kill(self):
        """kill -9, no goodbye."""
        if self.proc is None:
            return
        self.proc.kill()
        self.proc.wait()
        self._close_pipes()

    def cleanup(self):
        for c in self._clients:
            c.close_all()
        try:
            self.stop()
        finally:
            if self.owns_dir:
                shutil.rmtree(self.data_dir, ignore_errors=True)


def wait_for(predicate, timeout=10.0, interval=0.02, what="condition"):
    """Polls predicate() until it returns a truthy value; returns it, or raises after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


# ---------------------------------------------------------------------------------------------
# Domain helpers


def login(client, email, password):
    r = client.post("/v1/auth/login", {"email": email, "password": password})
    if r.status != 200:
        raise AssertionError("login %s: %r" % (email, r))
    return r.json["token"], r.json["user"]


def signup(client, email=None, password=PASSWORD, name="Test Customer"):
    email = email or unique_email("cust")
    r = client.post("/v1/auth/signup", {"email": email, "password": password, "name": name})
    if r.status != 201:
        raise AssertionError("signup %s: %r" % (email, r))
    return r.json["token"], r.json["user"]


def create_user(client, admin_token, role, restaurant_id=None, email=None, name=None):
    """Admin creates an account, then logs it in. Returns (token, user)."""
    email = email or unique_email(role)
    body = {"email": email, "password": PASSWORD, "name": name or ("Test " + role), "role": role}
    if restaurant_id:
        body["restaurant_id"] = restaurant_id
    r = client.post("/v1/users", body, token=admin_token)
    if r.status != 201:
        raise AssertionError("create %s: %r" % (role, r))
    return login(client, email, PASSWORD)


def rect(lat0, lon0, lat1, lon1):
    return [{"lat": lat0, "lon": lon0}, {"lat": lat0, "lon": lon1}, {"lat": lat1, "lon": lon1},
            {"lat": lat1, "lon": lon0}]


_world_slot = itertools.count(0)


class World:
    """A private corner of the map for one test: a zone of its own (so its riders serve only its
    orders), a restaurant with a menu, the restaurant's staff, riders and a customer."""

    def __init__(self, client, admin_token, riders=0, rider_offsets=None):
        self.client = client
        self.admin = admin_token
        slot = next(_world_slot)  # one counter per process; every test process has its own server
        self.lat0 = -60.0 + slot * 0.5
        self.lon0 = 20.0
        z = client.post("/v1/zones", {"name": unique("zone"),
                                      "polygon": rect(self.lat0, self.lon0, self.lat0 + 0.2, self.lon0 + 0.2)},
                        token=admin_token)
        assert z.status == 201, z
        self.zone = z.json
        self.location = {"lat": self.lat0 + 0.1, "lon": self.lon0 + 0.1}
        r = client.post("/v1/restaurants", {"name": unique("Diner "), "location": self.location}, token=admin_token)
        assert r.status == 201, r
        self.restaurant = r.json
        self.rid = r.json["id"]
        self.items = []
        for name, price in (("Burger", 1250), ("Fries", 450), ("Soda", 300)):
            it = client.post("/v1/restaurants/%s/items" % self.rid,
                             {"name": name, "price": {"amount": price, "currency": "USD"}}, token=admin_token)
            assert it.status == 201, it
            self.items.append(it.json)
        offsets = rider_offsets or [0.01 * (i + 1) for i in range(riders)]
        # Accounts cost an Argon2 hash each (twice with the login): make them side by side.
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            staff = pool.submit(create_user, client, admin_token, "restaurant", self.rid)
            customer = pool.submit(signup, client)
            rider_accounts = [pool.submit(create_user, client, admin_token, "rider") for _ in offsets]
            self.staff_token, self.staff = staff.result()
            self.customer_token, self.customer = customer.result()
            rider_accounts = [f.result() for f in rider_accounts]
        self.riders = []  # (token, user, location)
        for (tok, user), off in zip(rider_accounts, offsets):
            at = {"lat": self.location["lat"] + off, "lon": self.location["lon"]}
            on = client.post("/v1/riders/me/online", at, token=tok)
            assert on.status == 200, on
            self.riders.append((tok, user, at))

    def delivery(self):
        return {"lat": self.location["lat"] + 0.01, "lon": self.location["lon"] + 0.01, "address": "1 Test Street"}

    def order_body(self, lines=None, payment_method="tok_visa"):
        lines = lines or [(0, 2), (1, 1)]
        return {"restaurant_id": self.rid,
                "items": [{"item_id": self.items[i]["id"], "quantity": q} for i, q in lines],
                "delivery": self.delivery(),
                "payment_method": payment_method}

    def place(self, body=None, token=None, key=None):
        r = self.client.post("/v1/orders", body or self.order_body(), token=token or self.customer_token,
                             headers={"Idempotency-Key": key or unique("key")})
        return r

    def place_ok(self, **kw):
        r = self.place(**kw)
        assert r.status == 201, r
        return r.json

    def get(self, order_id, token=None):
        return self.client.get("/v1/orders/" + order_id, token=token or self.admin)

    def act(self, order_id, action, token, body=None):
        return self.client.post("/v1/orders/%s/%s" % (order_id, action), body, token=token)

    def rider_token(self, user_id):
        for tok, user, _ in self.riders:
            if user["id"] == user_id:
                return tok
        raise AssertionError("rider %s is not in this world" % user_id)

    def wait_rider(self, order_id, timeout=10.0):
        def assigned():
            o = self.get(order_id).json
            return o if o.get("rider_id") else None
        return wait_for(assigned, timeout, what="a rider on order " + order_id)


# The immediate nearest-free-rider assignment (dispatch.mode = nearest); the default mode sends the
# optimiser's offers to riders, who accept them (tests/api/test_dispatch.py).
NEAREST = ["--dispatch-mode", "nearest"]


# ---------------------------------------------------------------------------------------------
# Server-Sent Events


class SseStream:
    """Reads text/event-stream events off a GET."""

    def __init__(self, host, port, path, token, last_event_id=None, timeout=10):
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        headers = {"Accept": "text/event-stream", "Authorization": "Bearer " + token}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", path, headers=headers)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = {k.lower(): v for k, v in self.resp.getheaders()}
        if self.status != 200:  # a refusal: keep its body, free the socket
            self.body = self.resp.read()
            self.conn.close()

    def next_event(self):
        """Returns {"id", "event", "data"} for the next event (comments skipped); raises on timeout."""
        ev = {}
        data = []
        while True:
            line = self.resp.readline()
            if not line:
                raise EOFError("event stream ended")
            line = line.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data or ev:
                    ev["data"] = "\n".join(data)
                    return ev
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if field == "data":
                data.append(value)
            else:
                ev[field] = value

    def close(self):
        self.conn.close()


# ---------------------------------------------------------------------------------------------
# WebSocket (RFC 6455): handshake, masked text frames out, frames in.


class WebSocket:
    def __init__(self, host, port, path, timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key))
        self.sock.sendall(req.encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        if self.status != 101:
            self.sock.close()
        else:
            import hashlib
            expect = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode())
                                      .digest()).decode()
            if self.headers.get("sec-websocket-accept") != expect:
                raise AssertionError("bad Sec-WebSocket-Accept: %r" % self.headers)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("websocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send_frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send_json(self, obj):
        self.send_frame(0x1, json.dumps(obj).encode())

    def recv_frame(self):
        """Returns (opcode, payload) of the next complete message; answers pings."""
        message = b""
        first_op = None
        while True:
            b0, b1 = self._read(2)
            fin, op = b0 & 0x80, b0 & 0x0F
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if op == 0x9:  # ping
                self.send_frame(0xA, payload)
                continue
            if op == 0xA:
                continue
            if op == 0x8:
                return op, payload
            if first_op is None:
                first_op = op
            message += payload
            if fin:
                return first_op, message

    def recv_json(self):
        op, payload = self.recv_frame()
        if op == 0x8:
            raise EOFError("websocket closed by server: %r" % payload)
        return json.loads(payload.decode())

    def close(self):
        if self.sock.fileno() < 0:
            return
        try:
            self.send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()


def raw_http(port, data, timeout=10):
    """Sends raw bytes, returns (status, headers, body) of the first response (best effort on resets)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        buf = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            buf += chunk
            if b"\r\n\r\n" in buf:
                head, _, body = buf.partition(b"\r\n\r\n")
                cl = None
                for l in head.split(b"\r\n")[1:]:
                    k, _, v = l.partition(b":")
                    if k.strip().lower() == b"content-length":
                        cl = int(v.strip())
                if cl is not None and len(body) >= cl:
                    break
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1]) if lines and lines[0] else 0
        headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            headers[k.strip().lower()] = v.strip()
        return status, headers, body
    finally:
        s.close()


def start_with_admin(admin_email, extra_args=None, env=None, database_url=None):
    """A started server on a fresh data directory whose first admin was created offline (as an
    operator would with `hotpath admin create-user`). Returns (server, client, admin_token)."""
    server = Server(extra_args=extra_args, env=env)
    if database_url:
        use_database(server.data_dir, database_url)
    create_user_offline(server.data_dir, admin_email, PASSWORD, "Root", "admin")
    server.start()
    client = server.client()
    admin, _ = login(client, admin_email, PASSWORD)
    return server, client, admin


def problem_fields(resp):
    """The field names a problem+json response lists in `errors`."""
    return {e["field"] for e in resp.json.get("errors", [])}
