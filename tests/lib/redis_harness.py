"""Throwaway redis-server instances for the tests (Python 3 standard library only).

RedisServer().start() runs redis-server on 127.0.0.1 at a free port (redis-server cannot listen on
port 0, so the port is found by binding a socket first and the start is retried on a clash) with
its files in a fresh temporary directory, no persistence, and returns once it answers PING. stop()
shuts it down and removes the directory; kill() and restart() stop it and bring it back on the same
port (for the resilience tests). command() is a minimal RESP client.
"""

import atexit
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

_live = set()


@atexit.register
def _stop_leftovers():
    for server in list(_live):
        try:
            server.stop()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _encode(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class _Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError("redis error: " + rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RuntimeError("bad RESP reply %r" % line)


def _make_certs(d):
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost (openssl CLI)."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, capture_output=True, timeout=60)
    ca_key, ca, key, csr, cert = (os.path.join(d, n) for n in ("ca.key", "ca.pem", "server.key", "server.csr",
                                                                 "server.pem"))
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
        "-subj", "/CN=hotpath test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    ext = os.path.join(d, "san.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName = IP:127.0.0.1, DNS:localhost\n")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2",
        "-extfile", ext)
    return ca, cert, key


class RedisServer:
    def __init__(self, databases=256, tls=False):
        self.databases = databases
        self.tls = tls
        self.ca = None
        self.dir = None
        self.port = None
        self.proc = None

    @property
    def log(self):
        return os.path.join(self.dir, "redis.log")

    def _spawn(self):
        conf = os.path.join(self.dir, "redis.conf")
        with open(conf, "w") as f:
            f.write("bind 127.0.0.1\ndir %s\nsave \"\"\nappendonly no\ndatabases %d\nlogfile %s\n"
                    "daemonize no\nprotected-mode no\n" % (self.dir, self.databases, self.log))
            if self.tls:
                f.write("port 0\ntls-port %d\ntls-cert-file %s\ntls-key-file %s\ntls-ca-cert-file %s\n"
                        "tls-auth-clients no\n" % (self.port, self.cert, self.key, self.ca))
            else:
                f.write("port %d\n" % self.port)
        self.proc = subprocess.Popen(["redis-server", conf], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if self.command("PING") == "PONG":
                    _live.add(self)
                    return True
            except OSError:
                pass
            time.sleep(0.01)  # readiness poll of a child process, bounded
        self.proc.kill()
        raise RuntimeError("redis-server did not answer PING within 20 s: %s" % self.log_tail())

    def start(self):
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server not found (apt-get install redis-server)")
        self.dir = tempfile.mkdtemp(prefix="hotpath-redis-")
        if self.tls:
            self.ca, self.cert, self.key = _make_certs(self.dir)
        for _ in range(5):
            self.port = _free_port()
            if self._spawn():
                return self
        raise RuntimeError("redis-server did not start: %s" % self.log_tail())

    def kill(self):
        """Stops the server at once (SIGKILL): clients see their connections drop."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)  # a paused server dies too
            self.proc.kill()
            self.proc.wait(timeout=20)
            self.proc = None

    def pause(self):
        """SIGSTOP: the server keeps its connections and data but answers nothing (a partition)."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def restart(self):
        """Starts it again on the same port (empty: nothing is persisted)."""
        for _ in range(50):
            if self._spawn():
                return
            time.sleep(0.1)  # the port is still in TIME_WAIT / being released
        raise RuntimeError("redis-server did not restart on port %d: %s" % (self.port, self.log_tail()))

    def stop(self):
        self.kill()
        _live.discard(self)
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def log_tail(self, n=3000):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")[-n:]
        except (OSError, TypeError):
            return ""

    def url(self, db=0):
        if self.tls:
            return "rediss://127.0.0.1:%d/%d?ca_file=%s" % (self.port, db, self.ca)
        return "redis://127.0.0.1:%d/%d" % (self.port, db)

    def command(self, *args, db=0):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as raw:
            s = raw
            if self.tls:
                s = ssl.create_default_context(cafile=self.ca).wrap_socket(raw, server_hostname="127.0.0.1")
            r = _Reader(s)
            if db:
                s.sendall(_encode(["SELECT", db]))
                r.reply()
            s.sendall(_encode(args))
            return r.reply()
