"""s3rver (an independent S3-compatible server from the npm registry) for the tests of hotpath's
S3 object store: installed on first use into the build's tool directory, started on 127.0.0.1 with
an OS-chosen port in a temporary directory, stopped afterwards.

s3rver accepts the access key S3RVER with the secret S3RVER."""

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOLS = os.environ.get("HOTPATH_TOOLS_DIR") or os.path.join(REPO, "build", "test-tools")
ACCESS_KEY = "S3RVER"
SECRET_KEY = "S3RVER"


def install():
    target = os.path.join(TOOLS, "s3rver")
    subprocess.run([os.path.join(REPO, "scripts", "install-s3rver.sh"), target], check=True, timeout=600)
    return os.path.join(target, "node_modules", ".bin", "s3rver")


class S3rver:
    def __init__(self, bucket="hotpath"):
        self.bucket = bucket
        self.dir = tempfile.mkdtemp(prefix="hotpath-s3rver-")
        self.proc = None
        self.port = None
        self.lines = []
        self._lock = threading.Lock()

    def start(self, timeout=60):
        binary = install()
        self.proc = subprocess.Popen(
            [binary, "-d", os.path.join(self.dir, "data"), "-a", "127.0.0.1", "-p", "0",
             "--configure-bucket", self.bucket],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._pump, daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for line in self.lines:
                    m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
                    if m:
                        self.port = int(m.group(1))
                        return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("s3rver did not start: %s" % "".join(self.lines[-20:]))

    def _pump(self):
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(line)

    def log(self):
        with self._lock:
            return "".join(self.lines)

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def url(self):
        return "s3://%s?endpoint=%s&region=us-east-1" % (self.bucket, self.endpoint)

    def env(self, base=None):
        env = dict(base if base is not None else os.environ)
        env["AWS_ACCESS_KEY_ID"] = ACCESS_KEY
        env["AWS_SECRET_ACCESS_KEY"] = SECRET_KEY
        return env

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
