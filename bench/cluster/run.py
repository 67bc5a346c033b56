#!/usr/bin/env python3
"""Edge benchmark (issue #8), run by `make bench`:

  1. HAProxy overhead: wrk GET of a menu (a) straight to an api process, (b) through `hotpath
     cluster`'s HAProxy with one api process in the backend (the other set to maintenance through the
     runtime API), (c) through HAProxy with two. Target: HAProxy adds < 1 ms at p99 ((b) - (a)),
     measured with one connection (below saturation: the cost of the hop); requests/s are measured
     at saturation with BENCH_CONNECTIONS, where HAProxy also competes with hotpath for the cores.
  2. CDN cache: wrk GET of an image asset through `hotpath cdn nginx-config`'s proxy cache (a HIT)
     against nginx serving the same bytes as a static file. Target: cached >= 0.8x static.

Everything listens on 127.0.0.1 on free ports in a temp dir and is stopped at the end.

  bench/cluster/run.py [--record]      # --record appends the table to BENCHMARKS.md

Knobs (environment): HOTPATH_BIN (default build/bin/hotpath), BENCH_DURATION (5s), BENCH_REPEAT (3),
BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_KEEP=1 (keep the temp dir)."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
sys.path.insert(0, os.path.join(ROOT, "bench", "lib"))
import benchmarks_md  # noqa: E402
from edge_harness import free_port  # noqa: E402
from png import make_png  # noqa: E402

BIN = os.environ.get("HOTPATH_BIN") or os.path.join(ROOT, "build", "bin", "hotpath")
DURATION = os.environ.get("BENCH_DURATION", "5s")
CONNS = os.environ.get("BENCH_CONNECTIONS", "16")
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))  # paired runs, interleaved; the median is reported
THREADS = os.environ.get("BENCH_THREADS", "2")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ENV = {k: v for k, v in os.environ.items() if not k.startswith("HOTPATH_")}

STATIC_CONF = """daemon off;
master_process on;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp/client_body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    sendfile on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    types {{ image/png png; }}
    server {{
        listen 127.0.0.1:{port} reuseport;  # as the generated cache config
        root {dir}/www;
        location /assets/ {{ add_header Cache-Control "public, max-age=31536000, immutable"; }}
    }}
}}
"""


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, dict(r.headers), r.read()


def wait_http(url, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return http("GET", url)
        except OSError:
            time.sleep(0.1)  # polling a server that is starting
    raise RuntimeError("no answer from %s" % url)


def wrk(url, threads=None, conns=None):
    out = subprocess.run(["wrk", "-t" + (threads or THREADS), "-c" + (conns or CONNS), "-d" + DURATION, "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
    value, unit = re.search(r"Transfer/sec:\s*([\d.]+)(B|KB|MB|GB)", out).groups()
    per_request = float(value) * {"B": 1, "KB": 2 ** 10, "MB": 2 ** 20, "GB": 2 ** 30}[unit] / rps

    def ms(pct):
        v, unit = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)$" % pct, out, re.M).groups()
        return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", out)
    return {"rps": rps, "p50": ms(50), "p99": ms(99), "errors": errors, "bytes": per_request}


def paired(reference_url, subject_url, threads=None, conns=None):
    """REPEAT interleaved runs of reference and subject; the run with the median of each measure."""
    ref, sub = [], []
    for _ in range(REPEAT):
        ref.append(wrk(reference_url, threads, conns))
        sub.append(wrk(subject_url, threads, conns))

    def median(runs):
        out = dict(runs[0])
        for key in ("rps", "p50", "p99", "bytes"):
            out[key] = sorted(r[key] for r in runs)[len(runs) // 2]
        out["errors"] = [e for r in runs for e in r["errors"]]
        return out
    return median(ref), median(sub)


def haproxy(run_dir, command):
    s = socket.socket(socket.AF_UNIX)
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


def main():
    record = "--record" in sys.argv[1:]
    tmp = tempfile.mkdtemp(prefix="hotpath-edge-bench-")
    os.chmod(tmp, 0o755)
    procs = []
    try:
        data = os.path.join(tmp, "data")
        lb_port = free_port()
        cluster = subprocess.Popen([BIN, "cluster", "--demo", "--processes", "2", "--listen", "127.0.0.1:%d" % lb_port,
                                    "--data-dir", data, "--log-level", "warn"],
                                   stdout=open(os.path.join(tmp, "cluster.out"), "w"),
                                   stderr=open(os.path.join(tmp, "cluster.log"), "w"), env=ENV)
        procs.append(cluster)
        print("starting hotpath cluster --demo (2 processes)...", file=sys.stderr)
        lb = "http://127.0.0.1:%d" % lb_port
        wait_http(lb + "/readyz")
        run_dir = os.path.join(data, "cluster")
        cfg = open(os.path.join(run_dir, "haproxy.cfg")).read()
        direct_port = int(re.search(r"server s0 127\.0\.0\.1:(\d+) check\n", cfg).group(1))
        direct = "http://127.0.0.1:%d" % direct_port
        rid = json.loads(http("GET", lb + "/v1/restaurants?lat=40.715&lon=-73.995&radius_m=5000&limit=1")[2])["items"][0]["id"]
        menu = "/v1/restaurants/%s/menu" % rid

        results = {}
        # Latency below saturation (one connection at a time: what the extra hop costs a request),
        # then throughput at saturation (where HAProxy also takes CPU from the api processes).
        haproxy(run_dir, "set server api/s1 state maint")
        print("wrk: menu direct / through HAProxy, 1 connection...", file=sys.stderr)
        results["direct_one"], results["lb1_one"] = paired(direct + menu, lb + menu, "1", "1")
        haproxy(run_dir, "set server api/s1 state ready")
        print("wrk: menu direct...", file=sys.stderr)
        results["direct"] = wrk(direct + menu)
        haproxy(run_dir, "set server api/s1 state maint")
        print("wrk: menu through HAProxy, 1 process...", file=sys.stderr)
        results["lb1"] = wrk(lb + menu)
        haproxy(run_dir, "set server api/s1 state ready")
        deadline = time.monotonic() + 20
        while "UP" not in [l.split(",")[17] for l in haproxy(run_dir, "show stat").splitlines()
                           if l.startswith("api,s1,")][0]:
            if time.monotonic() > deadline:
                raise RuntimeError("s1 did not come back up")
            time.sleep(0.1)  # polling HAProxy's health check
        print("wrk: menu through HAProxy, 2 processes...", file=sys.stderr)
        results["lb2"] = wrk(lb + menu)

        # --- assets: nginx proxy cache vs nginx static ---------------------------------------
        token = json.loads(http("POST", lb + "/v1/auth/login",
                                json.dumps({"email": "admin@demo.hotpath.dev", "password": "demo-password"}).encode(),
                                {"Content-Type": "application/json"})[2])["token"]
        image = make_png(320, 240, seed=8)
        up = json.loads(http("POST", lb + "/v1/restaurants/%s/images" % rid, image,
                             {"Content-Type": "image/png", "Authorization": "Bearer " + token})[2])
        asset = up["url"]
        cdn_dir = os.path.join(tmp, "cdn")
        os.makedirs(cdn_dir)
        cdn_port = free_port()
        subprocess.run([BIN, "cdn", "nginx-config", "--upstream", "127.0.0.1:%d" % lb_port, "--listen",
                        "127.0.0.1:%d" % cdn_port, "--dir", cdn_dir, "--out", os.path.join(cdn_dir, "nginx.conf")],
                       check=True, env=ENV)
        static_dir = os.path.join(tmp, "static")
        static_port = free_port()
        os.makedirs(os.path.join(static_dir, "www", "assets"))
        with open(os.path.join(static_dir, "www", asset.lstrip("/")), "wb") as f:
            f.write(http("GET", lb + asset)[2])
        with open(os.path.join(static_dir, "nginx.conf"), "w") as f:
            f.write(STATIC_CONF.format(dir=static_dir, port=static_port))
        for d in (cdn_dir, static_dir):
            os.chmod(d, 0o755)
            for sub in ("tmp", "cache"):
                os.makedirs(os.path.join(d, sub), exist_ok=True)
                os.chmod(os.path.join(d, sub), 0o777)
            for root, dirs, files in os.walk(os.path.join(d, "www")):
                for x in dirs:
                    os.chmod(os.path.join(root, x), 0o755)
                for x in files:
                    os.chmod(os.path.join(root, x), 0o644)
            procs.append(subprocess.Popen([NGINX, "-p", d, "-c", os.path.join(d, "nginx.conf"), "-e",
                                           os.path.join(d, "error.log"), "-g", "daemon off;"] if d == cdn_dir else
                                          [NGINX, "-p", d, "-c", os.path.join(d, "nginx.conf"), "-e",
                                           os.path.join(d, "error.log")],
                                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "stderr.log"), "w")))
        cdn = "http://127.0.0.1:%d" % cdn_port
        static = "http://127.0.0.1:%d" % static_port
        wait_http(static + asset)
        first = wait_http(cdn + asset)
        second = http("GET", cdn + asset)
        assert second[2] == image or second[2] == first[2]
        status = {k.lower(): v for k, v in second[1].items()}.get("x-cache-status")
        if status != "HIT":
            raise RuntimeError("the asset is not served from the cache (X-Cache-Status %s)" % status)
        print("wrk: asset from nginx static / through the nginx cache...", file=sys.stderr)
        results["static"], results["cdn"] = paired(static + asset, cdn + asset)

        added = results["lb1_one"]["p99"] - results["direct_one"]["p99"]
        if abs(results["cdn"]["bytes"] - results["static"]["bytes"]) > 0.01 * results["static"]["bytes"]:
            raise RuntimeError("the cache and nginx static served different sizes: %r" % results)
        ratio = results["cdn"]["rps"] / results["static"]["rps"]
        verdict = lambda ok: "met" if ok else "MISSED"
        r = results
        rows = [
            "| measure | req/s | p50 (ms) | p99 (ms) | target |",
            "|---|---:|---:|---:|---|",
            "| menu GET, 1 connection, direct (reference, paired) | %.0f | %.3f | %.3f | |" % (
                r["direct_one"]["rps"], r["direct_one"]["p50"], r["direct_one"]["p99"]),
            "| menu GET, 1 connection, HAProxy + 1 api process | %.0f | %.3f | %.3f | p99 + < 1 ms: +%.3f ms (%s) |" % (
                r["lb1_one"]["rps"], r["lb1_one"]["p50"], r["lb1_one"]["p99"], added, verdict(added < 1.0)),
            "| menu GET, %s connections, direct to one api process (reference) | %.0f | %.2f | %.2f | |" % (
                CONNS, r["direct"]["rps"], r["direct"]["p50"], r["direct"]["p99"]),
            "| menu GET, %s connections, HAProxy + 1 api process | %.0f | %.2f | %.2f | %.2fx direct |" % (
                CONNS, r["lb1"]["rps"], r["lb1"]["p50"], r["lb1"]["p99"], r["lb1"]["rps"] / r["direct"]["rps"]),
            "| menu GET, %s connections, HAProxy + 2 api processes | %.0f | %.2f | %.2f | %.2fx direct |" % (
                CONNS, r["lb2"]["rps"], r["lb2"]["p50"], r["lb2"]["p99"], r["lb2"]["rps"] / r["direct"]["rps"]),
            "| asset GET, nginx static file (reference, paired, %d bytes) | %.0f | %.2f | %.2f | |" % (
                len(image), r["static"]["rps"], r["static"]["p50"], r["static"]["p99"]),
            "| asset GET, nginx proxy cache HIT | %.0f | %.2f | %.2f | >= 0.8x static: %.2fx (%s) |" % (
                r["cdn"]["rps"], r["cdn"]["p50"], r["cdn"]["p99"], ratio, verdict(ratio >= 0.8)),
        ]
        errors = {k: v["errors"] for k, v in r.items() if v["errors"]}
        commit = benchmarks_md.binary_commit(BIN)  # what was measured, not the checkout's HEAD
        header = ("hotpath %s, %s, %d cores, wrk -t%s -c%s -d%s, paired rows: median of %d interleaved runs, "
                  "nginx 1 worker, load average %.1f") % (
            commit, time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), os.cpu_count(), THREADS, CONNS, DURATION,
            REPEAT, os.getloadavg()[0])
        table = "\n".join(rows)
        print("\n" + header + "\n" + table)
        if errors:
            print("errors seen by wrk: %r" % errors)
        if record:
            entry = benchmarks_md.entry(header, ["bench/cluster/run.py --record    # make bench"], table)
            if errors:
                entry += "\nwrk reported errors: %r\n" % errors
            benchmarks_md.record(
                benchmarks_md.default_path(ROOT), "## Edge: HAProxy and the CDN cache (issue #8)",
                "`bench/cluster/run.py`: `hotpath cluster --demo --processes 2`; wrk on a menu straight to the\n"
                "primary, then through HAProxy with s1 in maintenance (1 process) and with both; an image asset\n"
                "through `hotpath cdn nginx-config`'s cache (after a MISS, every request a HIT) and the same bytes\n"
                "from nginx as a static file. References measured in the same run.",
                entry)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM if p is procs[0] else signal.SIGQUIT)
        for p in reversed(procs):
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        if os.environ.get("BENCH_KEEP"):
            print("kept %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
