"""The operations console in a real browser (Debian's chromium driven by playwright-core from the
npm registry): starts a demo city and `hotpath simulate` against it (seeded, bounded), then runs
console.mjs, which logs in, watches the simulated riders move on the map, opens a zone (orders
placed, no forecast yet, the fee; then a trained model's forecast and staffing plan), pauses a
function from the console and watches its lag alarm fire (webhook delivered) and clear once it is
resumed, and follows a simulated order on the map from placed to delivered. Screenshots of every
page go to $CONSOLE_SCREENSHOTS (the build directory's console-screenshots/)."""

import json
import os
import signal
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..")
NODE_MODULES = os.environ.get("CONSOLE_NODE_MODULES") or os.path.join(REPO, "web", "node_modules")
OUT = os.environ.get("CONSOLE_SCREENSHOTS") or os.path.join(REPO, "build", "console-screenshots")
ALARM_SECRET = "console-alarm-secret-0123456789"
# A lunch-time city at 60x: every demo rider and restaurant simulated (an offer to a rider nobody
# drives would wait), no cancellations or rejections (every order that a rider picks up is delivered).
SIMULATE = ["--speedup", "60", "--duration", "150", "--drain", "5", "--seed", "7", "--start", "12:00",
            "--riders", "30", "--restaurants", "20", "--customers", "6", "--orders-per-hour", "60",
            "--cancel-rate", "0", "--reject-rate", "0", "--json", "--quiet"]


class ConsoleInBrowser(unittest.TestCase):
    def test_operator_walkthrough(self):
        chromium = shutil.which("chromium")
        self.assertIsNotNone(chromium, "chromium missing: scripts/install-deps.sh installs it")
        self.assertTrue(os.path.isdir(os.path.join(NODE_MODULES, "playwright-core")),
                        "playwright-core missing in %s: the build installs web/'s npm packages" % NODE_MODULES)
        server = h.Server(demo=True, extra_args=["--notify-alarm-secret", ALARM_SECRET])
        sim = None
        try:
            server.start()
            base = "http://127.0.0.1:%d" % server.port
            sim = subprocess.Popen([h.BIN, "simulate", "--url", base] + SIMULATE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=h.CHILD_ENV)
            run = subprocess.run(
                ["node", os.path.join(HERE, "console.mjs"), base, "admin@demo.hotpath.dev", "demo-password",
                 "rider01@demo.hotpath.dev", OUT, h.BIN, server.data_dir],
                capture_output=True, text=True, timeout=200,
                env=dict(os.environ, CONSOLE_NODE_MODULES=NODE_MODULES, CHROMIUM=chromium, ALARM_SECRET=ALARM_SECRET))
            # The run is bounded; the test needs no more of it: SIGTERM ends it at once with its summary.
            sim.send_signal(signal.SIGTERM)
            sim_out, sim_err = sim.communicate(timeout=60)
            self.assertEqual(run.returncode, 0, "browser test failed:\n%s\n%s\nsimulator:\n%s\nserver log:\n%s"
                             % (run.stdout, run.stderr, sim_err[-3000:], server.log_tail()))
            print(run.stdout)  # the steps with their times, the order followed on the map
            self.assertEqual(sim.returncode, 0, sim_err[-3000:])
            summary = json.loads(sim_out)
            self.assertGreaterEqual(summary["orders"]["delivered"], 1, summary)
            self.assertEqual(summary["errors"]["total"], 0, summary["errors"])
            for name in ("login", "map", "zones", "zone", "zone-no-forecast", "zone-forecast", "platform-alarm",
                         "platform", "map-simulated", "map-new-zone"):
                path = os.path.join(OUT, name + ".png")
                self.assertTrue(os.path.getsize(path) > 1000, path)
        finally:
            if sim and sim.poll() is None:
                sim.kill()
                sim.communicate()
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
