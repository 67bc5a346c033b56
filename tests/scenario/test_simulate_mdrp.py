"""`hotpath simulate --mdrp`: a bounded replay of a real Grubhub instance at 120x against a demo
server started here. The instance's couriers come on shift as demo riders (shifts that never overlap
share an account), its orders are placed at their placement minutes at the demo restaurant nearest
to where the instance's restaurant maps, accepted with the instance's preparation time and marked
ready at its ready time. The run must stop by itself within the bound, place the instance's first
orders, deliver them through the live dispatcher's offers, and agree with the server's counters.
"""

import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

# The data sits beside the repository (../shared); a git worktree elsewhere finds it at /work/shared.
NAME = "0o50t75s1p100"
CANDIDATES = [d for d in (os.environ.get("HOTPATH_SHARED_DIR"), os.path.join(h.REPO, "..", "shared"), "/work/shared")
              if d]
INSTANCE = next((os.path.join(d, "data", "mdrp", "public_instances", NAME) for d in CANDIDATES
                 if os.path.isdir(os.path.join(d, "data", "mdrp", "public_instances", NAME))),
                os.path.join(CANDIDATES[0], "data", "mdrp", "public_instances", NAME))


def counted(metrics, status):
    m = re.search(r'^hotpath_orders_total\{status="%s"\} (\d+(?:\.\d+)?)' % status, metrics, re.M)
    return int(float(m.group(1))) if m else 0


def placements_before(minute):
    with open(os.path.join(INSTANCE, "orders.txt")) as f:
        rows = [line.split() for line in f.read().splitlines()[1:] if line.strip()]
    return sum(1 for r in rows if int(r[3]) < minute)


class SimulateMdrp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(INSTANCE):
            raise AssertionError("MDRP instance missing: %s" % INSTANCE)
        cls.server = h.Server(demo=True).start()
        cls.c = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_bounded_replay_of_a_grubhub_instance(self):
        out = subprocess.run([h.BIN, "simulate", "--url", "http://127.0.0.1:%d" % self.server.port,
                              "--mdrp", INSTANCE, "--speedup", "120", "--duration", "40", "--drain", "120",
                              "--seed", "3", "--customers", "4", "--json"],
                             capture_output=True, text=True, timeout=400, env=h.CHILD_ENV, stdin=subprocess.DEVNULL)
        self.assertEqual(out.returncode, 0, out)
        summary = json.loads(out.stdout)
        sys.stderr.write("\nsimulate --mdrp: %s\n" % out.stdout.strip())
        self.assertEqual(summary["mode"], "mdrp")
        self.assertEqual(summary["instance"], NAME)
        self.assertIn("duration reached", summary["stopped_because"])
        orders = summary["orders"]
        # 40 s at 120x is 80 instance minutes from its start: the orders placed by then, give or take
        # the last one at the boundary.
        expected = placements_before(80)
        self.assertGreaterEqual(expected, 5)
        self.assertLessEqual(abs(orders["placed"] - expected), 1, (orders, expected))
        self.assertGreaterEqual(orders["delivered"], 1, summary)
        # The instance has no cancellations or rejections; orders still open when the drain ends are
        # cancelled by the simulator so that no rider stays busy.
        self.assertEqual(orders["rejected"], 0)
        self.assertEqual(orders["cancelled"], orders["cancelled_at_stop"])
        self.assertEqual(orders["open"], 0)
        self.assertEqual(summary["errors"]["total"], 0, summary["errors"])
        metrics = self.c.get("/metrics").text
        for status in ("placed", "delivered", "cancelled"):
            self.assertEqual(counted(metrics, status), orders[status], status)


if __name__ == "__main__":
    unittest.main()
