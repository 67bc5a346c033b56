#!/usr/bin/env python3
"""Cached reads with Redis as the cache (issue #7), run by `make bench`.

    bench/redis/run.py [--record]

Starts a throwaway PostgreSQL 15 (tests/lib/postgres_harness.py) and a throwaway redis-server
(tests/lib/redis_harness.py, no persistence), both on 127.0.0.1 under temp dirs, and hotpath
`serve --demo` on them with `--cache-url redis://...`. Then, in the same run:

1. menu reads: `GET /v1/restaurants/{id}/menu` from hotpath (cache-aside in Redis, served from the
   process's near copy once a version read started after the request, shared by concurrent
   requests, confirms it) against nginx serving the same bytes as a static file;
2. order status reads: `GET /v1/orders/{id}` with the customer's bearer token (cached in Redis with
   the parties allowed to see it, checked on every read) against nginx serving the same JSON;
3. redis-benchmark SET/GET of values the size of the menu and of the order (the raw cost of one
   Redis round trip for such a value, 64 clients like wrk, no pipelining).

Checks that the reads were cache hits confirmed by Redis (hotpath_cache_requests_total{result="hit"}
per request), the Redis keyspace hits per request (menus: well below one, the version reads are
shared; orders: one MGET of several keys) and the database reads hotpath counted
(hotpath_db_reads_total) during each run.
Targets: cached menu reads >= 0.5x nginx static (issue #7); order status reads have no target of
their own, they are reported against the same references. Prints a table; with --record appends it
with the commands to BENCHMARKS.md. Knobs: BENCH_DURATION (10s per wrk run), BENCH_CONNECTIONS
(64), BENCH_THREADS (2), HOTPATH_BIN (build/bin/hotpath).
"""

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import postgres_harness  # noqa: E402
import redis_harness  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "bench", "lib"))
import benchmarks_md  # noqa: E402
from edge_harness import free_port  # noqa: E402

REDIS_REQUESTS = 200000


def http(url, body=None, token=None, headers=None):
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode())
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def wrk(args, url, out_path):
    out = subprocess.run(["wrk"] + args + ["--latency", url], capture_output=True, text=True, timeout=600)
    with open(out_path, "w") as f:
        f.write(out.stdout)
    if out.returncode != 0:
        sys.exit("wrk failed: %s %s" % (out.stdout, out.stderr))
    rps = float(re.search(r"^Requests/sec:\s*([0-9.]+)", out.stdout, re.M).group(1))
    m = re.search(r"^\s*99%\s*([0-9.]+)(us|ms|s)$", out.stdout, re.M)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)] if m else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    requests = int(re.search(r"(\d+) requests in", out.stdout).group(1))
    return {"rps": rps, "p99": p99, "errors": int(errors.group(1)) if errors else 0, "requests": requests}


def metric(base, name, label=None):
    text = urllib.request.urlopen(base + "/metrics", timeout=30).read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if label and label not in line:
                continue
            total += float(line.rsplit(" ", 1)[1])
    return total


def redis_info(redis, section):
    reply = redis.command("INFO", section)
    return reply.decode() if isinstance(reply, bytes) else reply


def redis_hits(redis):
    info = redis_info(redis, "stats")
    return int(re.search(r"keyspace_hits:(\d+)", info).group(1))


def redis_benchmark(redis, size, clients):
    cmd = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(redis.port), "-c", str(clients), "-n",
           str(REDIS_REQUESTS), "-d", str(size), "-t", "set,get", "--csv"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        sys.exit("redis-benchmark failed: %s %s" % (out.stdout, out.stderr))
    m = re.search(r'^"GET","([0-9.]+)"', out.stdout, re.M)
    if not m:
        sys.exit("redis-benchmark printed no GET line:\n" + out.stdout)
    shown = ["redis-benchmark"] + cmd[1:]
    shown[shown.index(str(redis.port))] = "PORT"
    return float(m.group(1)), " ".join(shown)


def main():
    record = False
    for arg in sys.argv[1:]:
        if arg == "--record":
            record = True
        elif arg in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            sys.exit("bench/redis/run.py: unknown argument '%s' (try --help)" % arg)
    duration = os.environ.get("BENCH_DURATION", "10s")
    conns = int(os.environ.get("BENCH_CONNECTIONS", "64"))
    threads = int(os.environ.get("BENCH_THREADS", "2"))
    binary = os.environ.get("HOTPATH_BIN", os.path.join(ROOT, "build", "bin", "hotpath"))
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    wrk_args = ["-t%d" % threads, "-c%d" % conns, "-d%s" % duration]

    tmp = tempfile.mkdtemp(prefix="hotpath-redisbench-")
    os.chmod(tmp, 0o755)  # nginx workers drop to an unprivileged user when started as root
    pg = postgres_harness.PostgresServer()
    redis = redis_harness.RedisServer(databases=16)
    hotpath = nginx = None
    try:
        print("starting PostgreSQL and redis-server...", file=sys.stderr)
        pg.start()
        redis.start()
        db = pg.create_database("hotpath_redis_bench")
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTPATH_")}
        out_path = os.path.join(tmp, "hotpath.out")
        print("starting hotpath --demo on PostgreSQL + Redis...", file=sys.stderr)
        hotpath = subprocess.Popen(
            [binary, "serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir", os.path.join(tmp, "data"),
             "--rate-limit-user-per-s", "0", "--database-url", pg.url(db), "--cache-url", redis.url(0)],
            stdout=open(out_path, "w"), stderr=open(os.path.join(tmp, "hotpath.log"), "w"), env=env)
        port = None
        deadline = time.monotonic() + 180
        while port is None and time.monotonic() < deadline:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", open(out_path).read())
            if m:
                port = int(m.group(1))
            elif hotpath.poll() is not None:
                sys.exit("hotpath exited: " + open(os.path.join(tmp, "hotpath.log")).read()[-3000:])
            else:
                time.sleep(0.1)  # start-up poll of a child process, bounded
        if port is None:
            sys.exit("hotpath did not start within 180 s")
        hp = "http://127.0.0.1:%d" % port

        rid = json.loads(http(hp + "/v1/restaurants?lat=40.715&lon=-73.995&radius_m=5000&limit=1"))["items"][0]["id"]
        menu_path = "/v1/restaurants/%s/menu" % rid
        menu = http(hp + menu_path)
        token = json.loads(http(hp + "/v1/auth/login", {"email": "customer@demo.hotpath.dev",
                                                       "password": "demo-password"}))["token"]
        restaurant = json.loads(http(hp + "/v1/restaurants/" + rid))
        items = json.loads(menu)["items"]
        order = json.loads(http(hp + "/v1/orders", {
            "restaurant_id": rid, "items": [{"item_id": items[0]["id"], "quantity": 2}],
            "delivery": {"lat": restaurant["location"]["lat"] + 0.005, "lon": restaurant["location"]["lon"] + 0.005,
                         "address": "1 Benchmark Plaza"},
            "payment_method": "tok_visa"}, token=token, headers={"Idempotency-Key": "redis-bench-1"}))
        order_path = "/v1/orders/" + order["id"]
        order_json = http(hp + order_path, token=token)

        www = os.path.join(tmp, "www")
        os.makedirs(www)
        os.chmod(www, 0o755)
        for name, data in (("menu.json", menu), ("order.json", order_json)):
            with open(os.path.join(www, name), "wb") as f:
                f.write(data)
            os.chmod(os.path.join(www, name), 0o644)
        ng_port = free_port()
        conf = open(os.path.join(ROOT, "bench", "platform", "nginx.conf.template")).read()
        conf = conf.replace("@WORKERS@", "auto").replace("@PORT@", str(ng_port)).replace("@DIR@", tmp)
        with open(os.path.join(tmp, "nginx.conf"), "w") as f:
            f.write(conf)
        nginx = subprocess.Popen([nginx_bin, "-p", tmp, "-c", os.path.join(tmp, "nginx.conf"), "-e",
                                  os.path.join(tmp, "nginx-error.log")])
        ng = "http://127.0.0.1:%d" % ng_port
        deadline = time.monotonic() + 20
        while True:
            try:
                if http(ng + "/menu.json") == menu and http(ng + "/order.json") == order_json:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("nginx is not serving the files")
            time.sleep(0.1)  # start-up poll of a child process, bounded

        def hotpath_run(path, label, extra):
            print("wrk: %s from hotpath..." % label, file=sys.stderr)
            hits0, db0 = redis_hits(redis), metric(hp, "hotpath_db_reads_total")
            cached0 = metric(hp, "hotpath_cache_requests_total", 'result="hit"')
            r = wrk(wrk_args + extra, hp + path, os.path.join(tmp, "wrk-%s.txt" % label))
            r["redis_hits"] = redis_hits(redis) - hits0
            r["cache_hits"] = metric(hp, "hotpath_cache_requests_total", 'result="hit"') - cached0
            r["db_reads"] = int(metric(hp, "hotpath_db_reads_total") - db0)
            return r

        menu_hp = hotpath_run(menu_path, "menu", [])
        print("wrk: menu from nginx...", file=sys.stderr)
        menu_ng = wrk(wrk_args, ng + "/menu.json", os.path.join(tmp, "wrk-nginx-menu.txt"))
        order_hp = hotpath_run(order_path, "order", ["-H", "Authorization: Bearer " + token])
        print("wrk: order from nginx...", file=sys.stderr)
        order_ng = wrk(wrk_args, ng + "/order.json", os.path.join(tmp, "wrk-nginx-order.txt"))
        print("redis-benchmark GET...", file=sys.stderr)
        rb_menu, rb_menu_cmd = redis_benchmark(redis, len(menu), conns)
        rb_order, rb_order_cmd = redis_benchmark(redis, len(order_json), conns)
        redis_version = re.search(r"redis_version:(\S+)", redis_info(redis, "server")).group(1)
        pg_version = pg.psql("SHOW server_version")
    finally:
        for p in (nginx, hotpath):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        redis.stop()
        pg.stop()
        subprocess.run(["rm", "-rf", tmp], check=False)

    def verdict(ok):
        return "met" if ok else "MISSED"

    menu_ratio = menu_hp["rps"] / menu_ng["rps"]
    order_ratio = order_hp["rps"] / order_ng["rps"]
    rows = [
        "| measure | value | target |",
        "|---|---:|---|",
        "| menu GET, hotpath with Redis cache (req/s) | %.0f | |" % menu_hp["rps"],
        "| menu GET, nginx static file (req/s) | %.0f | reference |" % menu_ng["rps"],
        "| menu GET, hotpath / nginx | %.2fx | >= 0.5x (%s) |" % (menu_ratio, verdict(menu_ratio >= 0.5)),
        "| menu GET p99, hotpath / nginx (ms) | %.2f / %.2f | |" % (menu_hp["p99"], menu_ng["p99"]),
        "| redis-benchmark GET, %d-byte value, %d clients (ops/s) | %.0f | reference |" % (len(menu), conns, rb_menu),
        "| menu GET, hotpath / redis GET | %.2fx | |" % (menu_hp["rps"] / rb_menu),
        "| order GET (status), hotpath with Redis cache (req/s) | %.0f | |" % order_hp["rps"],
        "| order GET, nginx static file (req/s) | %.0f | reference |" % order_ng["rps"],
        "| order GET, hotpath / nginx | %.2fx | |" % order_ratio,
        "| order GET p99, hotpath / nginx (ms) | %.2f / %.2f | |" % (order_hp["p99"], order_ng["p99"]),
        "| redis-benchmark GET, %d-byte value, %d clients (ops/s) | %.0f | reference |" % (len(order_json), conns,
                                                                                          rb_order),
        "| order GET, hotpath / redis GET | %.2fx | |" % (order_hp["rps"] / rb_order),
        "| cache hits per request, checked against Redis (hotpath_cache_requests_total), menu / order | %.2f / %.2f "
        "| >= 0.99 |" % (menu_hp["cache_hits"] / max(1, menu_hp["requests"]),
                         order_hp["cache_hits"] / max(1, order_hp["requests"])),
        "| Redis keyspace hits per request, menu (shared version reads) / order (MGET) | %.2f / %.2f | |" % (
            menu_hp["redis_hits"] / max(1, menu_hp["requests"]), order_hp["redis_hits"] / max(1, order_hp["requests"])),
        "| database reads during the runs, menu / order | %d / %d | |" % (menu_hp["db_reads"], order_hp["db_reads"]),
        "| non-2xx answers, menu / order | %d / %d | 0 |" % (menu_hp["errors"], order_hp["errors"]),
    ]
    table = "\n".join(rows)
    commit = benchmarks_md.binary_commit(binary)  # what was measured, not the checkout's HEAD
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    header = "hotpath %s, %s, %d cores (load average %s at the end), redis %s, PostgreSQL %s, wrk %s" % (
        commit, datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"), os.cpu_count(), load,
        redis_version, pg_version.split()[0], " ".join(wrk_args))
    commands = "\n".join([
        "bench/redis/run.py --record    # make bench",
        "hotpath serve --demo --database-url postgresql://... --cache-url redis://127.0.0.1:PORT/0 --rate-limit-user-per-s 0",
        "wrk %s --latency http://127.0.0.1:PORT%s" % (" ".join(wrk_args), "/v1/restaurants/ID/menu"),
        "wrk %s --latency http://127.0.0.1:NGINX/menu.json" % " ".join(wrk_args),
        "wrk %s -H 'Authorization: Bearer TOKEN' --latency http://127.0.0.1:PORT/v1/orders/ID" % " ".join(wrk_args),
        "wrk %s --latency http://127.0.0.1:NGINX/order.json" % " ".join(wrk_args),
        rb_menu_cmd,
        rb_order_cmd,
    ])
    print()
    print(header)
    print(table)
    if record:
        benchmarks_md.record(
            benchmarks_md.default_path(ROOT), "## Redis cache reads (issue #7)",
            "`make bench` (bench/redis/run.py): hotpath on a throwaway PostgreSQL with a throwaway\n"
            "redis-server as its cache (`--cache-url`); menu and order status reads against nginx serving\n"
            "the same bytes and redis-benchmark GET of values of the same sizes, all in the same run.",
            benchmarks_md.entry(header, [commands], table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
