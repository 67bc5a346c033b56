"""`hotpath cluster` for the cluster tests: start it on a free port in a temporary data directory,
read its announced addresses, talk to HAProxy's runtime API, stop it."""

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import edge_harness as edge
import hotpath_harness as h


def haproxy_command(run_dir, command):
    """One command on HAProxy's admin socket; its answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(os.path.join(run_dir, "haproxy.sock"))
    s.sendall(command.encode() + b"\n")
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    return out.decode()


def servers(run_dir, backend="api"):
    """{server name: {column: value}} from `show stat`."""
    lines = haproxy_command(run_dir, "show stat").splitlines()
    cols = lines[0].lstrip("# ").split(",")
    out = {}
    for line in lines[1:]:
        row = dict(zip(cols, line.split(",")))
        if row.get("pxname") == backend and row.get("svname") not in ("FRONTEND", "BACKEND"):
            out[row["svname"]] = row
    return out


def slot_ports(run_dir):
    """{slot: port} of the processes the current haproxy.cfg was written with."""
    with open(os.path.join(run_dir, "haproxy.cfg")) as f:
        text = f.read().split("\nbackend primary")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"server (s\d+) 127\.0\.0\.1:(\d+) check\n", text)}


class Cluster:
    def __init__(self, args, data_dir=None, command="cluster"):
        self.command = command
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="hotpath-cluster-")
        self.port = edge.free_port()
        self.args = list(args)
        self.proc = None
        self.lines = queue.Queue()
        self.stdout = []
        self.run_dir = os.path.join(self.data_dir, "cluster")

    def start(self, timeout=120):
        cmd = [h.BIN, self.command, "--listen", "127.0.0.1:%d" % self.port, "--data-dir", self.data_dir] + self.args
        self.log_path = os.path.join(self.data_dir, "cluster.log")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL,
                                     env=h.CHILD_ENV)
        threading.Thread(target=self._pump, daemon=True).start()
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                self.kill()
                raise RuntimeError("cluster did not start within %ss:\n%s" % (timeout, self.log_tail()))
            if line is None:
                code = self.proc.wait(timeout=30)
                raise RuntimeError("cluster exited with %s:\n%s" % (code, self.log_tail()))
            m = re.search(r"cluster metrics on http://[^:]+:(\d+)/metrics", line)
            if m:
                self.metrics_port = int(m.group(1))
                return self

    def _pump(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stdout.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def log_tail(self, n=6000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-n:]
        except OSError:
            return ""

    def client(self, timeout=30):
        return h.Client("127.0.0.1", self.port, timeout=timeout)

    def metric(self, name, labels=""):
        body = h.Client("127.0.0.1", self.metrics_port).get("/metrics").text
        m = re.search(r"^%s%s (\S+)$" % (re.escape(name), re.escape(labels)), body, re.M)
        return float(m.group(1)) if m else None

    def decisions(self):
        """The autoscaler's logged decisions (JSON lines), in order."""
        import json
        out = []
        for line in self.log_tail(10 ** 7).splitlines():
            if '"autoscale: decision"' in line:
                out.append(json.loads(line))
        return out

    def stop(self, timeout=60):
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("cluster did not stop within %ss of SIGTERM" % timeout)
        self.proc = None
        self._log.close()
        return code

    def kill(self):
        if self.proc is None:
            return
        # The children are in their own process groups: stop them by the pids the cluster logged.
        for pid in re.findall(r'"pid":"(\d+)"', self.log_tail(10 ** 7)):
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        self.proc.kill()
        self.proc.wait()
        self.proc = None
        self._log.close()
        pidfile = os.path.join(self.run_dir, "haproxy.pid")
        try:
            os.kill(int(open(pidfile).read().strip()), signal.SIGKILL)
        except (OSError, ValueError):
            pass

    def cleanup(self):
        try:
            if self.proc is not None:
                self.stop()
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def start_with_admin(args, admin_email, command="cluster"):
    """Starts `hotpath <command> ARGS` with an admin created offline; returns (cluster, client, admin
    token). A cluster that fails to start is cleaned up before the error propagates."""
    cluster = Cluster(args, command=command)
    h.create_user_offline(cluster.data_dir, admin_email, h.PASSWORD, "Root", "admin")
    try:
        cluster.start()
    except Exception:
        cluster.cleanup()
        raise
    client = cluster.client()
    admin, _ = h.login(client, admin_email, h.PASSWORD)
    return cluster, client, admin
