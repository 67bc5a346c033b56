"""The S3 object store (src/objects/s3_store.cpp) against s3rver, an independent S3 server: runs the
objects_s3_test binary with OBJECTS_TEST_S3_URL pointing at it, then checks in s3rver's request log
that the large object went up as a multipart upload."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import s3rver_harness  # noqa: E402

TEST_BIN = os.environ.get("OBJECTS_S3_TEST_BIN") or os.path.join(
    s3rver_harness.REPO, "build", "bin", "objects_s3_test")


class S3Store(unittest.TestCase):
    def setUp(self):
        self.s3 = s3rver_harness.S3rver().start()
        self.addCleanup(self.s3.stop)

    def test_store_against_s3rver(self):
        env = self.s3.env()
        env["OBJECTS_TEST_S3_URL"] = self.s3.url()
        out = subprocess.run([TEST_BIN], env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(out.returncode, 0, out.stdout[-6000:] + out.stderr[-2000:])
        self.assertIn("[  PASSED  ] 4 tests", out.stdout)
        log = self.s3.log()
        self.assertIn("big/blob.bin?uploads=", log)
        for part in (1, 2, 3):
            self.assertIn("big/blob.bin?partNumber=%d&uploadId=" % part, log)
        self.assertNotIn("partNumber=4", log)


if __name__ == "__main__":
    unittest.main()
