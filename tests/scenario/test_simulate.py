"""`hotpath simulate` against a demo server started here: a short, seeded daily-curve run at 60x.

The simulator signs up customers, logs in the demo staff and riders, places orders over the API,
lets restaurants accept (or reject) and mark them ready, and its riders take the live dispatcher's
offers, drive to the restaurant and the customer and deliver. Afterwards its summary must agree with
what the server says: the order counters in /metrics, and every order it lists (status, and
click-to-door from the server's own history at the same speed-up). Bad arguments and an unreachable
server are clear errors with non-zero exits.
"""

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

SPEEDUP = 60


def simulate(args, timeout=300):
    return subprocess.run([h.BIN, "simulate"] + args, capture_output=True, text=True, timeout=timeout,
                          env=h.CHILD_ENV, stdin=subprocess.DEVNULL)


def parse_at(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def counted(metrics, status):
    m = re.search(r'^hotpath_orders_total\{status="%s"\} (\d+(?:\.\d+)?)' % status, metrics, re.M)
    return int(float(m.group(1))) if m else 0


class SimulateArguments(unittest.TestCase):
    def test_bad_arguments_are_clear_errors(self):
        for args, needle in ((["--speedup", "fast"], "--speedup needs a number"),
                             (["--riders", "0"], "--riders must be between 1 and 999"),
                             (["--start", "7pm"], "--start needs a time of day HH:MM"),
                             (["--frobnicate"], "unknown flag --frobnicate"),
                             (["--url", "localhost:8080"], "--url must be an http:// URL")):
            out = simulate(args, timeout=30)
            self.assertEqual(out.returncode, 2, (args, out))
            self.assertIn(needle, out.stderr)
            self.assertIn("usage: hotpath simulate", out.stderr)

    def test_no_server_is_a_clear_error(self):
        out = simulate(["--url", "http://127.0.0.1:1", "--quiet"], timeout=30)
        self.assertEqual(out.returncode, 1, out)
        self.assertIn("no hotpath at http://127.0.0.1:1", out.stderr)

    def test_missing_instance_is_a_usage_error(self):
        out = simulate(["--url", "http://127.0.0.1:1", "--mdrp", "/nonexistent/instance", "--quiet"], timeout=30)
        self.assertEqual(out.returncode, 2, out)
        self.assertIn("--mdrp", out.stderr)


class SimulateCity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = h.Server(demo=True).start()
        cls.c = cls.server.client()
        cls.tmp = tempfile.mkdtemp(prefix="hotpath-sim-")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_a_short_seeded_run_matches_the_server(self):
        orders_file = os.path.join(self.tmp, "orders.jsonl")
        out = simulate(["--url", "http://127.0.0.1:%d" % self.server.port, "--speedup", str(SPEEDUP),
                        "--duration", "15", "--drain", "150", "--seed", "7", "--start", "12:00",
                        "--orders-per-hour", "90", "--customers", "6", "--cancel-rate", "0.1",
                        "--reject-rate", "0.1", "--orders-out", orders_file, "--json"])
        self.assertEqual(out.returncode, 0, out)
        summary = json.loads(out.stdout)
        sys.stderr.write("\nsimulate: %s\n" % out.stdout.strip())
        orders = summary["orders"]
        self.assertEqual(summary["mode"], "curve")
        self.assertEqual((summary["customers"], summary["restaurants"], summary["riders"]), (6, 20, 30))
        self.assertGreaterEqual(orders["placed"], 10, summary)
        self.assertGreaterEqual(orders["delivered"], 5, summary)
        self.assertEqual(orders["open"], 0, summary)
        self.assertEqual(orders["placed_on_quote"], orders["placed"], summary)  # every order on its quote's fee
        self.assertEqual(orders["cancelled_at_stop"], 0, summary)
        self.assertIn("every order finished", summary["stopped_because"])
        self.assertEqual(summary["errors"]["total"], 0, summary["errors"])
        self.assertGreaterEqual(summary["offers_accepted"], 1)
        self.assertLessEqual(summary["offers_accepted"], orders["delivered"])  # an offer carries 1 to 3 orders
        self.assertGreater(summary["fixes_sent"], 0)
        self.assertEqual(orders["placed"], orders["delivered"] + orders["cancelled"] + orders["rejected"])

        # The server counted the same placements and outcomes.
        metrics = self.c.get("/metrics").text
        for status in ("placed", "delivered", "cancelled", "rejected"):
            self.assertEqual(counted(metrics, status), orders[status], status)

        # Every order the simulator listed is in that state on the server; click-to-door agrees.
        admin, _ = h.login(self.c, h.DEMO_ADMIN, h.DEMO_PASSWORD)
        lines = [json.loads(line) for line in open(orders_file)]
        self.assertEqual(len(lines), orders["placed"])
        server_c2d = []
        for line in lines:
            o = self.c.get("/v1/orders/" + line["id"], token=admin)
            self.assertEqual(o.status, 200, o)
            o = o.json
            self.assertEqual(o["status"], line["status"], line)
            if o["status"] == "delivered":
                at = {e["status"]: parse_at(e["at"]) for e in o["history"]}
                self.assertEqual([e["status"] for e in o["history"]],
                                 ["placed", "accepted", "ready", "picked_up", "delivered"])
                self.assertTrue(o["rider_id"])
                self.assertEqual(o["payment"]["status"], "captured")
                server_c2d.append((at["delivered"] - at["placed"]).total_seconds() * SPEEDUP / 60)
        self.assertEqual(len(server_c2d), orders["delivered"])
        mean_server = sum(server_c2d) / len(server_c2d)
        mean_sim = summary["click_to_door_min"]["mean"]
        # The simulator stamps placement when the 201 arrives and delivery when its 200 does.
        self.assertLess(abs(mean_sim - mean_server), 0.1 * mean_server + 2, (mean_sim, mean_server))
        self.assertGreaterEqual(summary["click_to_door_min"]["p90"], mean_sim * 0.99)


if __name__ == "__main__":
    unittest.main()
