"""The operations console in a real browser (Debian's chromium driven by playwright-core from the
npm registry): starts a demo city, then runs console.mjs, which logs in, watches a rider move on
the map, opens a zone (orders placed, no forecast yet, the fee; then a trained model's forecast
and staffing plan) and watches an alarm fire and clear. Screenshots of every page go to
$CONSOLE_SCREENSHOTS (the build directory's console-screenshots/)."""

import os
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


class ConsoleInBrowser(unittest.TestCase):
    def test_operator_walkthrough(self):
        chromium = shutil.which("chromium")
        self.assertIsNotNone(chromium, "chromium missing: scripts/install-deps.sh installs it")
        self.assertTrue(os.path.isdir(os.path.join(NODE_MODULES, "playwright-core")),
                        "playwright-core missing in %s: the build installs web/'s npm packages" % NODE_MODULES)
        server = h.Server(demo=True)
        try:
            server.start()
            base = "http://127.0.0.1:%d" % server.port
            run = subprocess.run(
                ["node", os.path.join(HERE, "console.mjs"), base, "admin@demo.hotpath.dev", "demo-password",
                 "rider01@demo.hotpath.dev", OUT, h.BIN, server.data_dir],
                capture_output=True, text=True, timeout=170,
                env=dict(os.environ, CONSOLE_NODE_MODULES=NODE_MODULES, CHROMIUM=chromium))
            self.assertEqual(run.returncode, 0, "browser test failed:\n%s\n%s\nserver log:\n%s"
                             % (run.stdout, run.stderr, server.log_tail()))
            for name in ("login", "map", "zones", "zone", "zone-no-forecast", "zone-forecast", "platform-alarm",
                         "platform"):
                path = os.path.join(OUT, name + ".png")
                self.assertTrue(os.path.getsize(path) > 1000, path)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
