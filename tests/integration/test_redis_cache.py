"""The Redis cache client against a real server: runs the redis_cache_test binary (get/set/lock and
expiry, the token bucket Lua script shared by two clients and reloaded after SCRIPT FLUSH, the
circuit breaker failing fast on an unreachable server, versioned cache-aside across two clients,
pub/sub to two subscribers) against a throwaway redis-server, over TCP and over TLS (rediss://,
a throwaway CA; a client that does not trust it is refused)."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import redis_harness  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEST_BIN = os.environ.get("REDIS_CACHE_TEST_BIN") or os.path.join(REPO, "build", "bin", "redis_cache_test")


class RedisCache(unittest.TestCase):
    def test_cache_suite_passes_against_redis(self):
        self.run_suite(redis_harness.RedisServer())

    def test_cache_suite_passes_against_redis_over_tls(self):
        self.run_suite(redis_harness.RedisServer(tls=True))

    def run_suite(self, redis):
        redis.start()
        try:
            env = dict(os.environ, HOTPATH_TEST_REDIS_URL=redis.url(3))
            out = subprocess.run([TEST_BIN], capture_output=True, text=True, timeout=120, env=env)
            self.assertEqual(out.returncode, 0, out.stdout[-6000:] + out.stderr[-2000:])
            self.assertIn("[  PASSED  ]", out.stdout)
            self.assertNotIn("SKIPPED", out.stdout)
        finally:
            redis.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
