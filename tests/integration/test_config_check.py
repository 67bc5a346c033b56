"""`hotpath config check FILE`: the production example is valid and names every setting there is;
a file with many problems gets every one of them listed and explained (exit 1); a TOML syntax error
gets its line and column; a missing file is a usage error (exit 2)."""

import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

EXAMPLE = os.path.join(h.REPO, "config", "production.example.toml")


def run(*args):
    out = subprocess.run([h.BIN] + list(args), capture_output=True, text=True, timeout=60, env=h.CHILD_ENV)
    return out.returncode, out.stdout, out.stderr


def write(text):
    fd, path = tempfile.mkstemp(suffix=".toml")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


class ConfigCheck(unittest.TestCase):
    def test_the_production_example_is_valid_and_shows_every_setting(self):
        code, out, err = run("config", "check", EXAMPLE)
        self.assertEqual(code, 0, err)
        self.assertIn("valid", out)
        code, shown, err = run("config", "show")
        self.assertEqual(code, 0, err)
        keys = re.findall(r"^(\w+) = ", shown, re.M)
        self.assertGreater(len(keys), 70)
        example = open(EXAMPLE).read()
        missing = [k for k in keys if not re.search(r"^#? ?%s = " % k, example, re.M)]
        self.assertEqual(missing, [], "settings missing from config/production.example.toml")

    def test_every_problem_is_listed_and_explained(self):
        path = write("""
[server]
lisen = "127.0.0.1:8080"
worker_threads = 0
[storage]
cache_url = "redis://cache:99999/0"
database_replicas = "postgresql://r1/hp"
token_ttl_s = 60
password = "postgresql://u:hunter2@db/hp"
[rate_limit]
rate_limit_user_burst = 0.5
[autoscale]
min_processes = 5
max_processes = 2
[auth]
token_secret = "short"
[[alarms]]
name = "x"
""")
        try:
            code, out, err = run("config", "check", path)
        finally:
            os.unlink(path)
        self.assertEqual(code, 1, out + err)
        lines = [l.split(": ", 1)[1] for l in err.strip().splitlines()]
        text = "\n".join(lines)
        for expected in ("unknown key 'server.lisen' (did you mean 'server.listen'?)",
                         "'server.worker_threads' = 0: must be between 1 and 1024",
                         "'storage.cache_url': redis URL",
                         "port must be 1-65535",
                         "unknown key 'storage.token_ttl_s' ('token_ttl_s' belongs in [auth])",
                         "unknown key 'storage.password'",
                         "'rate_limit.rate_limit_user_burst' = 0.5: must be 0 (twice the rate) or at least 1",
                         "'autoscale.min_processes' (5) is above 'autoscale.max_processes' (2)",
                         "'auth.token_secret' = ****: must be at least 32 characters",
                         "'storage.database_replicas': read replicas need a postgresql:// storage.database_url",
                         "alarms[0]"):
            self.assertIn(expected, text)
        self.assertNotIn("short", text)  # secrets are never echoed
        self.assertIn("problems", lines[-1])

    def test_a_syntax_error_has_its_line_and_column(self):
        path = write("[server]\nlisten = \"127.0.0.1:8080\nio_threads = 2\n")
        try:
            code, _, err = run("config", "check", path)
        finally:
            os.unlink(path)
        self.assertEqual(code, 1)
        self.assertRegex(err, r"line 2, column \d+")

    def test_a_missing_file_is_a_usage_error(self):
        code, _, err = run("config", "check", "/nonexistent/hotpath.toml")
        self.assertEqual(code, 2)
        self.assertIn("no file /nonexistent/hotpath.toml", err)
        self.assertEqual(run("config", "check")[0], 2)


if __name__ == "__main__":
    unittest.main()
