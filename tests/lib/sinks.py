"""Local receivers for the notify function's deliveries, started by the tests on 127.0.0.1 port 0:
an HTTP receiver (webhooks, verifying their HMAC-SHA256 signatures, and the FCM-style push
endpoint) and a minimal SMTP receiver. Both record what arrived and count repeats by id."""

import collections
import hashlib
import hmac
import http.server
import json

import socketserver
import threading


class HttpSink:
    """Records POSTs. Webhook paths /hook/<name> are checked against secrets[name]; /push is the
    push provider. While `down` is set every request is answered 503 (an outage)."""

    def __init__(self):
        self.secrets = {}
        self.down = False
        self.refused = 0
        self.lock = threading.Lock()
        self.deliveries = collections.defaultdict(list)  # path -> [(delivery id, json body)]
        self.ids = collections.Counter()
        self.bad_signatures = []
        self.arrivals = {}  # delivery id -> time.monotonic() of the first arrival
        self.held_paths = {}  # path -> threading.Event: requests to it wait (bounded) until it is set
        self.holding = collections.Counter()  # path -> requests waiting now
        self.held = collections.defaultdict(list)  # path -> [(subject, type)] of the requests held, in arrival order
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                import time
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if sink.down:
                    with sink.lock:
                        sink.refused += 1
                    self._answer(503)
                    return
                path = self.path
                gate = sink.held_paths.get(path)
                if gate is not None and not gate.is_set():
                    try:
                        event = json.loads(body)
                        what = (event.get("subject"), event.get("type"))
                    except ValueError:
                        what = (None, None)
                    with sink.lock:
                        sink.held[path].append(what)
                        sink.holding[path] += 1
                    gate.wait(timeout=30)  # released by the test; bounded so nothing hangs
                    with sink.lock:
                        sink.holding[path] -= 1
                if path.startswith("/hook/"):
                    name = path[len("/hook/"):]
                    did = self.headers.get("Hotpath-Delivery-Id", "")
                    ts = self.headers.get("Hotpath-Timestamp", "")
                    sig = self.headers.get("Hotpath-Signature", "")
                    want = "sha256=" + hmac.new(sink.secrets.get(name, "").encode(), ts.encode() + b"." + body,
                                                hashlib.sha256).hexdigest()
                    if not hmac.compare_digest(want, sig):
                        with sink.lock:
                            sink.bad_signatures.append((name, did))
                        self._answer(401)
                        return
                else:
                    did = json.loads(body).get("message_id", "")
                with sink.lock:
                    sink.ids[did] += 1
                    sink.arrivals.setdefault(did, time.monotonic())
                    sink.deliveries[path].append((did, json.loads(body)))
                self._answer(204)

            def _answer(self, status):
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a sender killed mid-request (the crash test) resets its connection: expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def hook(self, name, secret):
        self.secrets[name] = secret
        return self.url("/hook/" + name)

    def hold(self, path):
        """Requests to `path` wait until release(path) (at most 30 s each)."""
        self.held_paths[path] = threading.Event()

    def release(self, path):
        self.held_paths.pop(path).set()

    def waiting(self, path):
        with self.lock:
            return self.holding[path]

    def held_requests(self, path):
        with self.lock:
            return list(self.held[path])

    def received(self, path):
        with self.lock:
            return list(self.deliveries[path])

    def duplicates(self):
        with self.lock:
            return {k: n for k, n in self.ids.items() if n > 1}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """Just enough SMTP (RFC 5321) for libcurl: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []  # (rcpt list, message text)
        self.ids = collections.Counter()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 sink ESMTP\r\n")
                rcpts, mail = [], False
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    cmd = line.decode("utf-8", "replace").strip()
                    verb = cmd.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.wfile.write(b"250 sink\r\n")
                    elif verb == "MAIL":
                        mail, rcpts = True, []
                        self.wfile.write(b"250 OK\r\n")
                    elif verb == "RCPT":
                        rcpts.append(cmd.split(":", 1)[1].strip().strip("<>"))
                        self.wfile.write(b"250 OK\r\n")
                    elif verb == "DATA":
                        self.wfile.write(b"354 go ahead\r\n")
                        lines = []
                        while True:
                            l = self.rfile.readline()
                            if not l:
                                # The sender went away inside DATA (e.g. killed): per RFC 5321 nothing is
                                # accepted without the end-of-data mark, and the sender saw no 250.
                                return
                            if l in (b".\r\n", b".\n"):
                                break
                            lines.append(l.decode("utf-8", "replace"))
                        text = "".join(lines)
                        mid = ""
                        for h in text.split("\r\n"):
                            if h.lower().startswith("message-id:"):
                                mid = h.split(":", 1)[1].strip()
                        with sink.lock:
                            sink.messages.append((rcpts, text))
                            sink.ids[mid] += 1
                        self.wfile.write(b"250 queued\r\n")
                    elif verb in ("RSET", "NOOP"):
                        self.wfile.write(b"250 OK\r\n")
                    elif verb == "QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"502 not implemented\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                pass  # as above

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, address):
        with self.lock:
            return [text for rcpts, text in self.messages if address in rcpts]

    def duplicates(self):
        with self.lock:
            return {k: n for k, n in self.ids.items() if n > 1}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


