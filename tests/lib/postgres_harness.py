"""Throwaway PostgreSQL 15 servers for the tests (Python 3 standard library only).

PostgresServer().start() runs initdb into a fresh temporary directory and pg_ctl on 127.0.0.1 at a
free port (PostgreSQL cannot listen on port 0, so the port is found by binding a socket first and
the start is retried on a clash), with its unix socket in the same directory. As root, the server
runs as the `postgres` user (postgres refuses to run as root). stop() shuts it down and removes
the directory. replica() makes a streaming standby of it with pg_basebackup -R.
"""

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid


def _pg_bindir():
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql-15)")


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_live = set()


@atexit.register
def _stop_leftovers():
    for server in list(_live):
        try:
            server.stop()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


class PostgresServer:
    def __init__(self, settings=None):
        self.bindir = _pg_bindir()
        self.settings = dict(settings or {})
        self.dir = None
        self.port = None
        self.user = "hotpath"
        self.run_as = None
        if os.geteuid() == 0:
            self.run_as = "postgres"
        self.started = False

    # -- process helpers ---------------------------------------------------------------------
    def _cmd(self, args):
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--"] + args
        return args

    def _run(self, args, timeout=120, check=True):
        out = subprocess.run(self._cmd(args), capture_output=True, text=True, timeout=timeout,
                             env={k: v for k, v in os.environ.items() if not k.startswith("PG")})
        if check and out.returncode != 0:
            raise RuntimeError("%s failed (%d): %s %s" % (args[0], out.returncode, out.stdout, out.stderr))
        return out

    def _make_dir(self, prefix):
        d = tempfile.mkdtemp(prefix=prefix)
        if self.run_as:
            pw = pwd.getpwnam(self.run_as)
            os.chown(d, pw.pw_uid, pw.pw_gid)
        return d

    @property
    def data(self):
        return os.path.join(self.dir, "data")

    @property
    def log(self):
        return os.path.join(self.dir, "postgres.log")

    def _conf(self):
        base = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": "'%s'" % self.dir,
            "max_connections": "200",
            "shared_buffers": "64MB",
            "wal_level": "replica",
            "max_wal_senders": "4",
            "hot_standby": "on",
            "logging_collector": "off",
        }
        base.update(self.settings)
        return base

    def _start_on_free_port(self):
        for _ in range(5):
            self.port = _free_port()
            with open(os.path.join(self.data, "postgresql.auto.conf"), "a") as f:
                f.write("port = %d\n" % self.port)
            out = self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", self.log, "-w", "-t", "60",
                             "start"], check=False)
            if out.returncode == 0:
                self.started = True
                _live.add(self)
                return self
            if "could not bind" not in self.log_tail():
                break
        raise RuntimeError("postgres did not start: %s" % self.log_tail())

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self):
        self.dir = self._make_dir("hotpath-pg-")
        self._run([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", self.user, "-A", "trust",
                   "--no-sync", "-E", "UTF8", "--locale", "C"])
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            for k, v in self._conf().items():
                f.write("%s = %s\n" % (k, v))
        with open(os.path.join(self.data, "pg_hba.conf"), "a") as f:
            f.write("host replication all 127.0.0.1/32 trust\n")
        return self._start_on_free_port()

    def replica(self):
        """A hot standby streaming from this server (pg_basebackup -R), started."""
        r = PostgresServer(self.settings)
        r.dir = r._make_dir("hotpath-pg-replica-")
        self._run([os.path.join(self.bindir, "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                   self.user, "-D", r.data, "-R", "-X", "stream", "-c", "fast", "--no-sync"])
        with open(os.path.join(r.data, "postgresql.conf"), "a") as f:
            f.write("unix_socket_directories = '%s'\n" % r.dir)
        # The copied auto.conf names the primary's port; the standby gets its own.
        auto = os.path.join(r.data, "postgresql.auto.conf")
        with open(auto) as f:
            lines = [l for l in f if not l.startswith("port =")]
        with open(auto, "w") as f:
            f.writelines(lines)
        return r._start_on_free_port()

    def stop(self, mode="immediate"):
        """Stops the server and deletes its directory (immediate: nothing in it is kept)."""
        if self.started:
            self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "stop"], check=False)
            self.started = False
        _live.discard(self)
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def kill(self):
        """Immediate stop (no checkpoint), like a crash; the directory stays for a restart."""
        self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop"],
                  check=False)
        self.started = False

    def restart(self):
        out = self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", self.log, "-w", "-t", "60",
                         "start"], check=False)
        if out.returncode != 0:
            raise RuntimeError("postgres did not restart: %s" % self.log_tail())
        self.started = True
        _live.add(self)

    def log_tail(self, n=3000):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")[-n:]
        except OSError:
            return ""

    # -- SQL ---------------------------------------------------------------------------------
    def url(self, db="postgres"):
        return "postgresql://%s@127.0.0.1:%d/%s" % (self.user, self.port, db)

    def psql(self, sql, db="postgres", check=True):
        """Runs SQL with psql; returns the unaligned, tuples-only output."""
        out = subprocess.run([os.path.join(self.bindir, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                              "-d", self.url(db), "-c", sql], capture_output=True, text=True, timeout=60)
        if check and out.returncode != 0:
            raise RuntimeError("psql failed: %s" % out.stderr)
        return out.stdout.strip()

    def create_database(self, prefix="hp"):
        name = "%s_%s" % (prefix, uuid.uuid4().hex[:12])
        self.psql("CREATE DATABASE %s" % name)
        return name

    def wait_replayed(self, replica, timeout=20):
        """Waits until `replica` has replayed everything this server has written so far."""
        lsn = self.psql("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = replica.psql("SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn" % lsn)
            if done == "t":
                return
            time.sleep(0.02)
        raise AssertionError("replica did not replay up to %s within %ss" % (lsn, timeout))
