"""Operating the server: health, readiness, metrics, the OpenAPI document, request ids, stock
404/405 problems, graceful shutdown, and durability across kill -9."""

import http.client
import json
import os
import re
import signal
import socket
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@test.hotpath.dev"


class Ops(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = h.Server()
        h.create_user_offline(cls.server.data_dir, ADMIN_EMAIL, h.PASSWORD, "Root", "admin")
        cls.server.start()
        cls.c = cls.server.client()
        cls.admin, _ = h.login(cls.c, ADMIN_EMAIL, h.PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_health_and_readiness(self):
        r = self.c.get("/healthz")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], "ok")
        r = self.c.get("/readyz")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], "ready")

    def test_metrics_use_route_templates_never_raw_ids(self):
        w = h.World(self.c, self.admin)
        oid = w.place_ok()["id"]
        self.assertEqual(w.get(oid).status, 200)
        self.assertEqual(self.c.get("/v1/restaurants/%s/menu" % w.rid).status, 200)
        self.assertEqual(self.c.get("/v1/orders/ord_nope", token=self.admin).status, 404)
        self.assertEqual(self.c.get("/no/such/path/xyz123").status, 404)
        r = self.c.get("/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"), r.headers)
        text = r.text
        self.assertIn("# TYPE hotpath_http_requests_total counter", text)
        lines = [l for l in text.splitlines() if l.startswith("hotpath_http_requests_total{")]
        self.assertTrue(any('route="/v1/orders/{id}"' in l and 'method="GET"' in l and 'status="200"' in l
                            for l in lines), lines)
        self.assertTrue(any('route="/v1/orders/{id}"' in l and 'status="404"' in l for l in lines), lines)
        self.assertTrue(any('route="/v1/restaurants/{id}/menu"' in l for l in lines), lines)
        self.assertTrue(any('route="/v1/orders"' in l and 'method="POST"' in l and 'status="201"' in l
                            for l in lines), lines)
        for raw in (oid, w.rid, "ord_nope", "xyz123"):
            self.assertNotIn(raw, text, "a raw id leaked into the metrics")
        self.assertIn("hotpath_http_request_duration_seconds_bucket", text)
        m = re.search(r'^hotpath_orders_total\{status="placed"\} (\d+)', text, re.M)
        self.assertTrue(m and int(m.group(1)) >= 1, "order status counter")

    def test_openapi_document_lists_the_api(self):
        r = self.c.get("/v1/openapi.json")
        self.assertEqual(r.status, 200)
        doc = r.json
        self.assertTrue(doc["openapi"].startswith("3."))
        paths = doc["paths"]
        for path, method in (("/v1/auth/signup", "post"), ("/v1/auth/login", "post"), ("/v1/users", "post"),
                             ("/v1/zones", "post"), ("/v1/restaurants", "get"), ("/v1/restaurants", "post"),
                             ("/v1/restaurants/{id}/menu", "get"), ("/v1/restaurants/{id}/items", "post"),
                             ("/v1/restaurants/{id}/items/{item_id}", "patch"), ("/v1/orders/quote", "post"),
                             ("/v1/orders", "post"), ("/v1/orders/{id}", "get"), ("/v1/orders/{id}/accept", "post"),
                             ("/v1/orders/{id}/reject", "post"), ("/v1/orders/{id}/ready", "post"),
                             ("/v1/orders/{id}/pickup", "post"), ("/v1/orders/{id}/deliver", "post"),
                             ("/v1/orders/{id}/cancel", "post"), ("/v1/orders/{id}/events", "get"),
                             ("/v1/riders/me/online", "post"), ("/v1/riders/me/offline", "post"),
                             ("/v1/riders/me/location", "post"), ("/v1/ws", "get"), ("/healthz", "get"),
                             ("/readyz", "get"), ("/metrics", "get")):
            self.assertIn(path, paths)
            self.assertIn(method, paths[path], path)
        # every $ref resolves
        refs = set(re.findall(r'"\$ref":\s*"#/components/schemas/([A-Za-z]+)"', r.text))
        self.assertTrue(refs)
        self.assertEqual(refs - set(doc["components"]["schemas"]), set())

    def test_request_id_is_echoed_or_made(self):
        r = self.c.get("/healthz", headers={"X-Request-Id": "trace-abc-123"})
        self.assertEqual(r.header("X-Request-Id"), "trace-abc-123")
        a = self.c.get("/healthz").header("X-Request-Id")
        b = self.c.get("/healthz").header("X-Request-Id")
        self.assertTrue(a and b and a != b, (a, b))
        # problems carry one too
        self.assertTrue(self.c.get("/nope").header("X-Request-Id"))

    def test_unknown_path_is_404_and_wrong_method_405(self):
        r = self.c.get("/v1/nothing-here")
        self.assertEqual(r.status, 404)
        self.assertTrue(r.header("Content-Type").startswith("application/problem+json"))
        self.assertEqual(r.json["status"], 404)
        r = self.c.request("DELETE", "/v1/orders")
        self.assertEqual(r.status, 405, r)
        self.assertTrue(r.header("Content-Type").startswith("application/problem+json"))
        self.assertIn("POST", r.header("Allow"))
        r = self.c.request("PUT", "/healthz")
        self.assertEqual(r.status, 405)

    def test_pipelined_requests_are_answered_in_order(self):
        reqs = (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        self.addCleanup(sock.close)
        sock.sendall(reqs)
        buf = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            buf += chunk
        self.assertEqual(re.findall(rb"HTTP/1\.1 (\d+)", buf), [b"200", b"404", b"200"])
        self.assertIn(b'"status":"ready"', buf)

    def test_oversized_headers_are_431(self):
        status, _, _ = h.raw_http(self.server.port,
                                  b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
        self.assertEqual(status, 431)

    def test_malformed_http_is_400_not_a_crash(self):
        status, _, _ = h.raw_http(self.server.port, b"GARBAGE\r\n\r\n")
        self.assertEqual(status, 400)
        self.assertEqual(self.c.get("/healthz").status, 200)


def login_in_flight(port):
    """Starts a login whose headers the server has read (it answered 100 Continue) but whose body
    has not been sent. Returns (socket, finish) where finish() sends the body and returns the raw
    response."""
    body = json.dumps({"email": ADMIN_EMAIL, "password": h.PASSWORD}).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    sock.sendall(("POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  "Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(body)).encode())
    interim = b""
    while b"\r\n\r\n" not in interim:
        chunk = sock.recv(4096)
        if not chunk:
            raise AssertionError("connection closed before 100 Continue")
        interim += chunk
    if not interim.startswith(b"HTTP/1.1 100"):
        raise AssertionError(interim)

    def finish():
        try:
            sock.sendall(body)
        except OSError:
            return b""
        resp = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            resp += chunk
            head, _, rest = resp.partition(b"\r\n\r\n")
            m = re.search(rb"(?i)content-length: *(\d+)", head)
            if m and len(rest) >= int(m.group(1)):
                break
        return resp
    return sock, finish


class Lifetime(unittest.TestCase):
    def test_order_survives_kill_9_right_after_201(self):
        s = h.Server()
        self.addCleanup(s.cleanup)
        h.create_user_offline(s.data_dir, ADMIN_EMAIL, h.PASSWORD, "Root", "admin")
        s.start()
        c = s.client()
        admin, _ = h.login(c, ADMIN_EMAIL, h.PASSWORD)
        w = h.World(c, admin)
        oid = w.place_ok()["id"]
        self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 9}).status, 200)
        last = w.place_ok()  # the 201 is the last thing before the kill
        s.kill()
        c.close_all()

        s.start()
        c2 = s.client()
        for order_id, status, hist in ((oid, "accepted", ["placed", "accepted"]), (last["id"], "placed", ["placed"])):
            r = c2.get("/v1/orders/" + order_id, token=w.customer_token)  # tokens outlive the restart
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["status"], status)
            self.assertEqual([e["status"] for e in r.json["history"]], hist)
            self.assertEqual(r.json["payment"]["status"], "authorized")
        self.assertEqual(c2.get("/v1/orders/" + last["id"], token=w.customer_token).json["total"], last["total"])
        # and the lifecycle continues after the restart
        r = c2.post("/v1/orders/%s/reject" % last["id"], {"reason": "closed"}, token=w.staff_token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["payment"]["status"], "voided")

    def start_with_admin(self):
        s = h.Server()
        self.addCleanup(s.cleanup)
        h.create_user_offline(s.data_dir, ADMIN_EMAIL, h.PASSWORD, "Root", "admin")
        s.start()
        admin, _ = h.login(s.client(), ADMIN_EMAIL, h.PASSWORD)
        return s, admin

    def wait_drain_started(self, ws):
        """The server closing an open WebSocket shows it took SIGTERM and is draining."""
        with self.assertRaises((EOFError, ConnectionError)):
            while ws.recv_frame()[0] != 0x8:
                pass
            raise EOFError("close frame")

    def test_sigterm_ends_streams_and_exits_cleanly(self):
        s, admin = self.start_with_admin()
        c = s.client()
        w = h.World(c, admin)
        oid = w.place_ok()["id"]
        stream = h.SseStream("127.0.0.1", s.port, "/v1/orders/%s/events" % oid, w.customer_token)
        self.addCleanup(stream.close)
        self.assertEqual(stream.next_event()["event"], "order.placed")
        ws = h.WebSocket("127.0.0.1", s.port, "/v1/ws?access_token=" + admin)
        self.addCleanup(ws.close)
        s.terminate()
        # open streams end instead of holding the shutdown up, and the exit is clean
        with self.assertRaises((EOFError, ConnectionError, http.client.IncompleteRead)):
            while True:
                stream.next_event()
        self.wait_drain_started(ws)
        self.assertEqual(s.stop(), 0)

    # Regression: a request whose headers the server had read (it even answered 100 Continue) but
    # whose body was still arriving when SIGTERM came used to be cut instead of finished.
    def test_sigterm_finishes_a_request_whose_body_is_arriving(self):
        s, admin = self.start_with_admin()
        ws = h.WebSocket("127.0.0.1", s.port, "/v1/ws?access_token=" + admin)
        self.addCleanup(ws.close)
        sock, finish = login_in_flight(s.port)
        self.addCleanup(sock.close)
        s.terminate()
        self.wait_drain_started(ws)
        resp = finish()
        self.assertTrue(resp.startswith(b"HTTP/1.1 200"), resp[:300])
        self.assertIn(b'"token"', resp)
        self.assertEqual(s.stop(), 0)

    # Regression: the log flush thread (spdlog::flush_every) once started before `serve` blocked
    # SIGTERM/SIGINT, so after the main thread took the first SIGTERM a second one landed on that
    # thread and killed the process with the default action (exit by signal, drain cut short).
    def test_second_sigterm_during_the_drain_does_not_kill(self):
        s, admin = self.start_with_admin()
        ws = h.WebSocket("127.0.0.1", s.port, "/v1/ws?access_token=" + admin)
        self.addCleanup(ws.close)
        s.proc.send_signal(signal.SIGTERM)
        self.wait_drain_started(ws)
        s.proc.send_signal(signal.SIGTERM)
        self.assertEqual(s.proc.wait(timeout=20), 0)

    def test_sigterm_exits_cleanly(self):
        s = h.Server()
        self.addCleanup(s.cleanup)
        s.start()
        self.assertEqual(s.client().get("/healthz").status, 200)
        self.assertEqual(s.stop(), 0)


if __name__ == "__main__":
    unittest.main()
