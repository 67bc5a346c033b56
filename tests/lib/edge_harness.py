"""nginx and HAProxy for the edge tests: free ports, start, wait until they answer, stop."""

import os
import shutil
import socket
import subprocess
import time

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


def free_port():
    """A port the OS had free a moment ago (for servers that cannot report an ephemeral port)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc=None, timeout=20.0, what="server"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited with %s" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("%s did not listen on %d within %ss" % (what, port, timeout))


def stop(proc, timeout=10):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_nginx(conf_dir, port):
    """nginx with conf_dir/nginx.conf in the foreground; its workers (an unprivileged user when
    started as root) must be able to enter the directory."""
    os.chmod(conf_dir, 0o755)
    for sub in ("tmp", "cache"):
        os.makedirs(os.path.join(conf_dir, sub), exist_ok=True)
        os.chmod(os.path.join(conf_dir, sub), 0o777)
    proc = subprocess.Popen([NGINX, "-p", conf_dir, "-c", os.path.join(conf_dir, "nginx.conf"), "-e",
                             os.path.join(conf_dir, "error.log"), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_port(port, proc, what="nginx")
    return proc
