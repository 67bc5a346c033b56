"""Smoke test of `hotpath bench tracking` (issue #4): a tiny run end to end (its own server on
127.0.0.1, real WebSockets), checking the JSON it prints and that it cleans up after itself. No
timing is asserted: figures depend on the machine; BENCHMARKS.md records the real run."""
import json
import os
import subprocess
import tempfile
import unittest

BIN = os.environ.get("HOTPATH_BIN", "build/bin/hotpath")
FIELDS = ["fixes_per_s", "fanout_p50_ms", "fanout_p99_ms", "bytes_per_connection", "nearby_per_s",
          "peak_fixes", "positions_per_s", "fanout_samples", "server_rss_idle_bytes", "server_metrics"]


def run(*args, timeout=240):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTPATH_")}
    return subprocess.run([BIN, "bench", *args], capture_output=True, text=True, timeout=timeout, env=env)


class BenchTrackingTest(unittest.TestCase):
    def test_tiny_run_prints_the_json_and_cleans_up(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = run("tracking", "--riders", "4", "--watchers", "8", "--seconds", "1", "--nearby-riders", "2000",
                    "--tmp-dir", tmp, "--json", "--quiet")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(os.listdir(tmp), [])  # the data directory and the server log are gone
        d = json.loads(p.stdout)
        for f in FIELDS:
            self.assertIn(f, d)
        for f in FIELDS[:-1]:
            self.assertIsInstance(d[f], (int, float), f)
            self.assertGreaterEqual(d[f], 0, f)
        self.assertEqual((d["riders"], d["watchers"], d["connections"]), (4, 8, 12))
        self.assertGreater(d["peak_fixes"], 0)
        self.assertEqual((d["peak_errors"], d["live_errors"], d["closed_by_server"]), (0, 0, 0))
        self.assertGreater(d["nearby_per_s"], 0)
        self.assertTrue(0 < d["nearby_mean_found"] <= 10, d["nearby_mean_found"])  # nearest 10 at most
        self.assertGreater(d["server_rss_idle_bytes"], 0)
        # The server's own figures agree with what the load generator saw.
        m = d["server_metrics"]
        self.assertGreaterEqual(m['hotpath_tracking_fixes_total{result="applied"}'], d["peak_fixes"])
        self.assertEqual(m['hotpath_tracking_fixes_total{result="flagged"}'], 0)
        self.assertEqual(m["hotpath_tracking_watchers"], 8)
        self.assertEqual(m["hotpath_tracking_riders_indexed"], 4)
        self.assertEqual(m['hotpath_stream_connections{kind="websocket"}'], 12)
        self.assertEqual(m["hotpath_stream_overflow_disconnects_total"], 0)
        self.assertGreaterEqual(m["hotpath_tracking_positions_sent_total"], 8)  # one snapshot per watcher at least

    def test_bad_usage_is_refused(self):
        for args, needle in [(["tracking", "--riders", "0"], "--riders"),
                             (["tracking", "--seconds", "soon"], "--seconds"),
                             (["tracking", "--frobnicate", "1"], "--frobnicate"),
                             (["nope"], "unknown benchmark")]:
            p = run(*args, timeout=30)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(needle, p.stderr)
            self.assertEqual(p.stdout, "")


if __name__ == "__main__":
    unittest.main()
