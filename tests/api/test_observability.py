"""Metrics names and label sets the operations console and alarms rely on, and W3C trace context:
a caller's traceparent is continued, stamped on every log line of the request and on the order's
events, so one order's story can be followed from the API through the bus to its consumers."""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


class Observability(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server, cls.c, cls.admin = h.start_with_admin("root@obs.hotpath.dev")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def metrics(self):
        r = self.c.get("/metrics")
        self.assertEqual(r.status, 200)
        return r.text

    def test_every_documented_metric_is_exposed_with_its_type(self):
        text = self.metrics()
        for name, kind in (("hotpath_http_requests_total", "counter"),
                           ("hotpath_http_request_duration_seconds", "histogram"),
                           ("hotpath_orders_total", "counter"),
                           ("hotpath_riders_online", "gauge"),
                           ("hotpath_orders_open", "gauge"),
                           ("hotpath_function_invocations_total", "counter"),
                           ("hotpath_function_lag", "gauge"),
                           ("hotpath_dispatch_epoch_seconds", "histogram")):
            self.assertIn("# TYPE %s %s" % (name, kind), text, name)
        self.assertIn("hotpath_dispatch_epoch_seconds_bucket{le=\"+Inf\"}", text)

    def test_riders_online_and_open_orders_by_zone(self):
        w = h.World(self.c, self.admin, riders=2)
        zone = w.zone["id"]

        def gauge(name):
            m = re.search(r'^%s\{zone="%s"\} (\S+)$' % (name, re.escape(zone)), self.metrics(), re.M)
            return float(m.group(1)) if m else None

        self.assertEqual(gauge("hotpath_riders_online"), 2.0)
        self.assertEqual(gauge("hotpath_orders_open"), 0.0)
        w.place_ok()
        self.assertEqual(gauge("hotpath_orders_open"), 1.0)
        self.assertEqual(gauge("hotpath_zone_unserved"), 0.0)
        for tok, _, _ in w.riders:
            self.assertEqual(self.c.post("/v1/riders/me/offline", None, token=tok).status, 200)
        self.assertEqual(gauge("hotpath_riders_online"), 0.0)
        self.assertEqual(gauge("hotpath_zone_unserved"), 1.0)

    def log_lines(self):
        out = []
        with open(self.server.stderr_path, "rb") as f:
            for raw in f.read().decode("utf-8", "replace").splitlines():
                try:
                    out.append(json.loads(raw))
                except ValueError:
                    pass
        return out

    def test_traceparent_is_continued_into_logs_and_order_events(self):
        w = h.World(self.c, self.admin, riders=1)
        r = self.c.post("/v1/orders", w.order_body(), token=w.customer_token,
                        headers={"Idempotency-Key": h.unique("k"), "traceparent": "00-%s-%s-01" % (TRACE, PARENT),
                                 "X-Request-Id": "obs-place-1"})
        self.assertEqual(r.status, 201, r)
        oid = r.json["id"]
        # The access log line of that request carries the caller's trace id and a span of our own.
        line = h.wait_for(lambda: next((l for l in self.log_lines()
                                        if l.get("msg") == "request" and l.get("request_id") == "obs-place-1"), None),
                          timeout=10, what="the access log line")
        self.assertEqual(line["trace_id"], TRACE)
        self.assertRegex(line["span_id"], r"^[0-9a-f]{16}$")
        self.assertNotEqual(line["span_id"], PARENT)
        # The order.placed event names that span as its parent, in the same trace.
        s = h.SseStream("127.0.0.1", self.server.port, "/v1/orders/%s/events" % oid, w.customer_token)
        self.addCleanup(s.close)
        self.assertEqual(s.status, 200)
        ev = s.next_event()
        self.assertEqual(ev["event"], "order.placed")
        data = json.loads(ev["data"])
        self.assertEqual(data["traceparent"], "00-%s-%s-01" % (TRACE, line["span_id"]))
        # A later request without a traceparent starts a trace of its own; its event carries it.
        r = w.act(oid, "accept", w.staff_token, {"prep_minutes": 5})
        self.assertEqual(r.status, 200, r)
        ev = s.next_event()
        self.assertEqual(ev["event"], "order.accepted")
        other = json.loads(ev["data"])["traceparent"]
        self.assertRegex(other, r"^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")
        self.assertNotIn(TRACE, other)

    def test_malformed_traceparent_starts_a_new_trace(self):
        for bad in ("00-%s-%s-01-extra" % (TRACE, PARENT), "00-%s-%s-01" % (TRACE.upper(), PARENT),
                    "00-%s-%s-01" % ("0" * 32, PARENT), "ff-%s-%s-01" % (TRACE, PARENT), "garbage"):
            rid = h.unique("badtp")
            r = self.c.get("/healthz", headers={"traceparent": bad, "X-Request-Id": rid})
            self.assertEqual(r.status, 200)
            line = h.wait_for(lambda: next((l for l in self.log_lines() if l.get("request_id") == rid), None),
                              timeout=10, what="access log of " + rid)
            self.assertRegex(line["trace_id"], r"^[0-9a-f]{32}$")
            self.assertNotEqual(line["trace_id"], TRACE, bad)


if __name__ == "__main__":
    unittest.main(verbosity=2)
