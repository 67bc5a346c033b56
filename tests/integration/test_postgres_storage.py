"""The PostgreSQL storage backend against a real server: runs the postgres_storage_test binary
(migrations per dialect, a failing migration leaving the schema unchanged, constraint conflicts
rolling back one unit of a group commit, SERIALIZABLE read-modify-write from two "processes" with
retries losing no update, killed connections, outbox sequence) and the postgres_services_test binary
(order placement in one pipelined statement, idempotent per key across two processes; pipelined
ApplyOnce applying each event once) against a throwaway PostgreSQL 15."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import postgres_harness  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEST_BIN = os.environ.get("POSTGRES_STORAGE_TEST_BIN") or os.path.join(REPO, "build", "bin", "postgres_storage_test")
SERVICES_BIN = (os.environ.get("POSTGRES_SERVICES_TEST_BIN")
                or os.path.join(REPO, "build", "bin", "postgres_services_test"))


class PostgresStorage(unittest.TestCase):
    def test_storage_suite_passes_against_postgres(self):
        pg = postgres_harness.PostgresServer().start()
        try:
            env = dict(os.environ, HOTPATH_TEST_POSTGRES_URL=pg.url())
            for binary in (TEST_BIN, SERVICES_BIN):
                out = subprocess.run([binary], capture_output=True, text=True, timeout=300, env=env)
                self.assertEqual(out.returncode, 0, binary + "\n" + out.stdout[-6000:] + out.stderr[-2000:])
                self.assertIn("[  PASSED  ]", out.stdout)
                self.assertNotIn("SKIPPED", out.stdout)
        finally:
            pg.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
