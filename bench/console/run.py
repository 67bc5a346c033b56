#!/usr/bin/env python3
"""Load benchmark of the operations console's live feed (issue #9): is the platform still responsive
with 2,000 riders online and 5,000 open orders while consoles watch it?

    bench/console/run.py [--record] [--consoles N] [--seconds S]

Seeds a demo city (`hotpath serve --demo`), adds 2,000 riders (half busy) and 5,000 open orders
(placed, or picked up by a busy rider) straight into its SQLite file, restarts it, then measures
  - the reference: latency of GET /v1/restaurants/{id}/menu with no console connected;
  - the same with N consoles connected to /v1/ops/live (one snapshot per second each);
  - the snapshot: build time (hotpath_console_snapshot_seconds from /metrics), size, and the
    interval between snapshots a console sees.
Everything on 127.0.0.1, bounded in time, cleaned up. With --record the table is appended to
BENCHMARKS.md with the command."""

import argparse
import datetime
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import hotpath_harness as h  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "bench", "lib"))
import benchmarks_md  # noqa: E402

RIDERS = 2000
ORDERS = 5000


def seed(db_path):
    random.seed(7)
    con = sqlite3.connect(db_path)
    restaurants = con.execute("SELECT id, lat, lon, zone_id FROM restaurants").fetchall()
    customer = con.execute("SELECT id FROM users WHERE role = 'customer' LIMIT 1").fetchone()[0]
    lats = [r[1] for r in restaurants]
    lons = [r[2] for r in restaurants]
    box = (min(lats), max(lats), min(lons), max(lons))
    now = int(time.time() * 1000)
    riders = []
    for i in range(RIDERS):
        rid = "usr_benchrider%05d" % i
        r = random.choice(restaurants)
        con.execute("INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (?,?,?,?,?,?)",
                    (rid, "bench%05d@rider.hotpath.dev" % i, "Bench Rider", "rider", "x", now))
        status = "busy" if i % 2 else "available"
        con.execute("INSERT INTO riders (user_id, status, lat, lon, zone_id, updated_at) VALUES (?,?,?,?,?,?)",
                    (rid, status, random.uniform(box[0], box[1]), random.uniform(box[2], box[3]), r[3], now))
        riders.append((rid, status))
    busy = [r for r, s in riders if s == "busy"]
    for i in range(ORDERS):
        r = random.choice(restaurants)
        picked = i % 5 < 2 and busy
        rider = busy[i % len(busy)] if picked else None
        con.execute(
            "INSERT INTO orders (id, customer_id, restaurant_id, zone_id, rider_id, status, version, subtotal, "
            "delivery_fee, small_order_fee, total, currency, delivery_lat, delivery_lon, delivery_address, "
            "prep_minutes, eta_minutes, idempotency_key, request_hash, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,1,1500,199,0,1699,'USD',?,?,'bench',NULL,30,?,'h',?,?)",
            ("ord_bench%05d" % i, customer, r[0], r[3], rider, "picked_up" if picked else "placed",
             random.uniform(box[0], box[1]), random.uniform(box[2], box[3]), "bench-%d" % i,
             now - random.randint(0, 1800_000), now))
    con.commit()
    con.close()
    return restaurants[0][0]


def latencies(client, path, seconds):
    out = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.perf_counter()
        r = client.get(path)
        out.append((time.perf_counter() - t) * 1000)
        if r.status != 200:
            raise RuntimeError("%s: %r" % (path, r))
    out.sort()
    return {"n": len(out), "p50": out[len(out) // 2], "p99": out[int(len(out) * 0.99) - 1]}


def snapshot_metric(client):
    text = client.get("/metrics").text
    s = float(re.search(r"^hotpath_console_snapshot_seconds_sum (\S+)$", text, re.M).group(1))
    c = float(re.search(r"^hotpath_console_snapshot_seconds_count (\S+)$", text, re.M).group(1))
    return s, c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--consoles", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=15)
    args = ap.parse_args()

    data = tempfile.mkdtemp(prefix="hotpath-bench-console-")
    server = h.Server(demo=True, data_dir=data)
    try:
        server.start()
        server.stop()
        restaurant = seed(os.path.join(data, "hotpath.db"))
        h.create_user_offline(data, "root@bench.hotpath.dev", h.PASSWORD, "Root", "admin")
        server.start()
        c = server.client()
        admin, _ = h.login(c, "root@bench.hotpath.dev", h.PASSWORD)
        menu = "/v1/restaurants/%s/menu" % restaurant
        latencies(c, menu, 2)  # warm up
        reference = latencies(c, menu, args.seconds)

        stop = threading.Event()
        seen = []  # (console, arrival time, bytes)
        errors = []

        def watch(n):
            try:
                ws = h.WebSocket("127.0.0.1", server.port, "/v1/ops/live?access_token=" + admin, timeout=30)
                hello = ws.recv_json()
                assert hello["type"] == "hello"
                while not stop.is_set():
                    op, payload = ws.recv_frame()
                    if op == 0x8:
                        raise EOFError("closed by the server")
                    snap = json.loads(payload)
                    assert len(snap["riders"]) >= RIDERS and len(snap["orders"]) >= ORDERS, \
                        (len(snap["riders"]), len(snap["orders"]))
                    seen.append((n, time.monotonic(), len(payload)))
                ws.close()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=watch, args=(i,), daemon=True) for i in range(args.consoles)]
        for t in threads:
            t.start()
        h.wait_for(lambda: len(seen) >= args.consoles, timeout=30, what="first snapshots")
        s0, c0 = snapshot_metric(c)
        watched = latencies(c, menu, args.seconds)
        s1, c1 = snapshot_metric(c)
        stop.set()
        for t in threads:
            t.join(timeout=10)
        if errors:
            raise SystemExit("console feed failed: %s" % errors)
        gaps = []
        for n in range(args.consoles):
            times = [t for (k, t, _) in seen if k == n]
            gaps += [b - a for a, b in zip(times, times[1:])]
        sizes = [b for (_, _, b) in seen]
        rows = [
            ("menu read p50 / p99, no console (reference)", "%.2f / %.2f ms" % (reference["p50"], reference["p99"])),
            ("menu read p50 / p99, %d consoles watching" % args.consoles,
             "%.2f / %.2f ms" % (watched["p50"], watched["p99"])),
            ("ratio p50 / p99 (watching / reference)",
             "%.2f / %.2f" % (watched["p50"] / reference["p50"], watched["p99"] / reference["p99"])),
            ("snapshot build, mean", "%.1f ms (%d snapshots)" % ((s1 - s0) / max(1, c1 - c0) * 1000, c1 - c0)),
            ("snapshot size", "%.0f kB" % (statistics.mean(sizes) / 1024)),
            ("interval between snapshots at a console, mean / max",
             "%.0f / %.0f ms" % (statistics.mean(gaps) * 1000, max(gaps) * 1000)),
        ]
        width = max(len(r[0]) for r in rows)
        table = "\n".join("| %s | %s |" % (k.ljust(width), v) for k, v in rows)
        print(table)
        if args.record:
            rev = benchmarks_md.binary_commit(h.BIN)  # what was measured, not the checkout's HEAD
            stamp = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%MZ")
            with open(os.path.join(ROOT, "BENCHMARKS.md"), "a") as f:
                f.write("\n## Operations console live feed (issue #9)\n\n")
                f.write("### hotpath %s, %s, %d cores, %d riders online, %d open orders, %d consoles, %gs per phase\n\n"
                        % (rev, stamp, os.cpu_count(), RIDERS + 30, ORDERS, args.consoles, args.seconds))
                f.write("Command: `bench/console/run.py --record --consoles %d --seconds %g`. One client reads a menu "
                        "sequentially; the reference is the same reads with no console connected, in the same "
                        "run.\n\n| measure | value |\n|---|---|\n%s\n" % (args.consoles, args.seconds, table))
    finally:
        server.cleanup()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
