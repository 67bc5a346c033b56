"""`hotpath --version` names the commit the binary was built from (embedded at build time), and the
benchmarks' headers take it from there (bench/lib/benchmarks_md.py binary_commit), not from the
checkout's HEAD, which may have moved since the build."""
import os
import re
import subprocess
import sys
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("HOTPATH_BIN", os.path.join(ROOT, "build", "bin", "hotpath"))
sys.path.insert(0, os.path.join(ROOT, "bench", "lib"))
import benchmarks_md  # noqa: E402


class VersionTest(unittest.TestCase):
    def test_the_version_names_a_commit_of_this_repository_and_the_bench_headers_use_it(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTPATH_")}
        p = subprocess.run([BIN, "--version"], capture_output=True, text=True, timeout=30, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.fullmatch(r"hotpath \S+ \(commit ([0-9a-f]{7,})(-dirty)?\)\n", p.stdout)
        self.assertIsNotNone(m, p.stdout)
        commit = m.group(1)
        # A commit object of the repository the binary was built from (this checkout).
        known = subprocess.run(["git", "-C", ROOT, "cat-file", "-e", commit + "^{commit}"], capture_output=True)
        self.assertEqual(known.returncode, 0, "%s is not a commit of %s" % (commit, ROOT))
        self.assertEqual(benchmarks_md.binary_commit(BIN), commit + (m.group(2) or ""))

    def test_a_binary_that_names_no_commit_is_reported_as_such(self):
        self.assertEqual(benchmarks_md.binary_commit("/bin/true"), "unknown (binary names no commit)")


if __name__ == "__main__":
    unittest.main()
