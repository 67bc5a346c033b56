#!/usr/bin/env python3
"""The platform benchmark on PostgreSQL (issue #7), run by `make bench`.

    bench/postgres/run.py [--record]

Starts a throwaway PostgreSQL 15 primary and a streaming replica (tests/lib/postgres_harness.py,
127.0.0.1, temp dirs, durable commits: fsync and synchronous_commit on), then in the same run:

1. the reference: `pgbench -n -c 8 -j 2 -T D -M prepared` with a one-row INSERT script in its own
   database (each transaction is one durable single-row insert);
2. bench/run.sh with hotpath on that primary + replica (menu reads against nginx serving the same
   JSON; durable order placement over HTTP, each order a multi-row transaction).

Targets (issue #7): orders/s >= 0.5x pgbench's transactions/s; menu reads >= 0.5x nginx static.
Prints a table; with --record appends it with the commands to BENCHMARKS.md. Knobs: BENCH_DURATION
(10s, for pgbench and each wrk run), plus bench/run.sh's own (BENCH_CONNECTIONS, BENCH_THREADS, ...).
"""

import datetime
import os
import re
import resource
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import postgres_harness  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "bench", "lib"))
import benchmarks_md  # noqa: E402
import cpu_seconds  # noqa: E402

PGBENCH_CLIENTS = 8
PGBENCH_THREADS = 2
INSERT_SCRIPT = ("INSERT INTO bench_rows (client, payload) "
                 "VALUES (:client_id, 'one durable row, about the size of an order row');\n")


def seconds(duration):
    m = re.fullmatch(r"(\d+)([smh]?)", duration)
    if not m:
        sys.exit("bench/postgres/run.py: BENCH_DURATION must look like 10s, 2m or 30")
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def postmaster_pids(*servers):
    """The postmaster pid of each server (the first line of its postmaster.pid)."""
    pids = []
    for s in servers:
        with open(os.path.join(s.data, "postmaster.pid")) as f:
            pids.append(int(f.readline()))
    return pids


def run_pgbench(pg, tmp, duration_s, postgres_pids):
    db = pg.create_database("pgbench")
    pg.psql("CREATE TABLE bench_rows (id bigserial PRIMARY KEY, client int NOT NULL, payload text NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now())", db=db)
    script = os.path.join(tmp, "insert_one_row.sql")
    with open(script, "w") as f:
        f.write(INSERT_SCRIPT)
    os.chmod(tmp, 0o755)
    os.chmod(script, 0o644)
    cmd = [os.path.join(pg.bindir, "pgbench"), "-n", "-c", str(PGBENCH_CLIENTS), "-j", str(PGBENCH_THREADS),
           "-T", str(duration_s), "-M", "prepared", "-f", script, "-h", "127.0.0.1", "-p", str(pg.port), "-U",
           pg.user, db]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    # CPU of the database servers (primary + replica) and of pgbench over the run: CPU per tx.
    pg_before = cpu_seconds.group_seconds(postgres_pids)
    self_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + 120, env=env)
    self_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    pg_cpu = cpu_seconds.group_seconds(postgres_pids) - pg_before
    pgbench_cpu = (self_after.ru_utime + self_after.ru_stime) - (self_before.ru_utime + self_before.ru_stime)
    if out.returncode != 0:
        sys.exit("pgbench failed (%d): %s %s" % (out.returncode, out.stdout, out.stderr))
    m = re.search(r"^tps = ([0-9.]+) \(without initial connection time\)", out.stdout, re.M)
    if not m:
        sys.exit("pgbench printed no tps:\n" + out.stdout)
    rows = int(pg.psql("SELECT count(*) FROM bench_rows", db=db))
    tx = int(re.search(r"^number of transactions actually processed: (\d+)", out.stdout, re.M).group(1))
    lat = re.search(r"^latency average = ([0-9.]+) ms", out.stdout, re.M)
    shown = ["pgbench" if i == 0 else a for i, a in enumerate(cmd)]
    shown[shown.index(script)] = "insert_one_row.sql"
    return {"tps": float(m.group(1)), "rows": rows, "latency_ms": lat.group(1) if lat else "?",
            "cpu_us": "postgres=%.0f pgbench=%.0f" % (pg_cpu * 1e6 / max(tx, 1), pgbench_cpu * 1e6 / max(tx, 1)),
            "command": " ".join(shown[:-7] + ["DB"]), "output": out.stdout}


def server_settings(pg):
    names = ("fsync", "synchronous_commit", "wal_sync_method", "commit_delay", "shared_buffers")
    values = pg.psql("SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings "
                     "WHERE name IN (%s)" % ", ".join("'%s'" % n for n in names))
    return values


def run_platform(primary_url, replica_url, tmp, duration, postgres_pids):
    results = os.path.join(tmp, "platform.results")
    env = dict(os.environ)
    env.update({"BENCH_DATABASE_URL": primary_url, "BENCH_DATABASE_REPLICAS": replica_url,
                "BENCH_RESULTS": results, "BENCH_DURATION": duration,
                "BENCH_CPU_PIDS": "postgres=" + ",".join(str(p) for p in postgres_pids)})
    out = subprocess.run([os.path.join(ROOT, "bench", "run.sh")], capture_output=True, text=True, env=env,
                         timeout=1800)
    sys.stderr.write(out.stderr)
    if out.returncode != 0:
        sys.exit("bench/run.sh failed (%d):\n%s" % (out.returncode, out.stdout))
    values = {}
    with open(results) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            values[k] = v
    return values, out.stdout


def verdict(ok):
    return "met" if ok else "MISSED"


def main():
    record = False
    for arg in sys.argv[1:]:
        if arg == "--record":
            record = True
        elif arg in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            sys.exit("bench/postgres/run.py: unknown argument '%s' (try --help)" % arg)
    duration = os.environ.get("BENCH_DURATION", "10s")
    duration_s = seconds(duration)
    tmp = tempfile.mkdtemp(prefix="hotpath-pgbench-")
    primary = postgres_harness.PostgresServer()
    replica = None
    try:
        print("starting PostgreSQL primary + streaming replica...", file=sys.stderr)
        primary.start()
        replica = primary.replica()
        settings = server_settings(primary)
        print("pgbench: one-row inserts, %d clients, %ds..." % (PGBENCH_CLIENTS, duration_s), file=sys.stderr)
        postgres_pids = postmaster_pids(primary, replica)
        pgb = run_pgbench(primary, tmp, duration_s, postgres_pids)
        db = primary.create_database("hotpath_bench")
        plat, plat_table = run_platform(primary.url(db), replica.url(db), tmp, duration, postgres_pids)
        version = primary.psql("SHOW server_version")
    finally:
        if replica:
            replica.stop()
        primary.stop()
        subprocess.run(["rm", "-rf", tmp], check=False)

    orders = float(plat["ORDERS_PER_S"])
    order_ratio = orders / pgb["tps"]
    menu_ratio = float(plat["MENU_HOTPATH_RPS"]) / float(plat["MENU_NGINX_RPS"])
    rows = [
        "| measure | value | target |",
        "|---|---:|---|",
        "| pgbench one-row INSERT, -c %d -j %d (tx/s) | %.0f | reference |" % (PGBENCH_CLIENTS, PGBENCH_THREADS,
                                                                              pgb["tps"]),
        "| pgbench latency average (ms) | %s | |" % pgb["latency_ms"],
        "| CPU per pgbench tx (us, by process) | %s | |" % pgb["cpu_us"],
        "| orders placed on PostgreSQL (201/s, durable) | %.0f | |" % orders,
        "| orders/s / pgbench tx/s | %.2fx | >= 0.5x (%s) |" % (order_ratio, verdict(order_ratio >= 0.5)),
        "| order placement p50 / p99 (ms) | %s / %s | |" % (plat["ORDERS_P50_MS"], plat["ORDERS_P99_MS"]),
        "| orders: 201 / other / counted by server | %s / %s / %s | no errors |" % (
            plat["ORDERS_CREATED"], plat["ORDERS_OTHER"], plat["ORDERS_COUNTED_BY_SERVER"]),
        "| CPU per order placed (us, by process) | %s | |" % plat["ORDERS_CPU_US"],
        "| menu GET, hotpath on PostgreSQL + replica (req/s) | %.0f | |" % float(plat["MENU_HOTPATH_RPS"]),
        "| menu GET, nginx static file (req/s) | %.0f | reference |" % float(plat["MENU_NGINX_RPS"]),
        "| menu GET, hotpath / nginx | %.2fx | >= 0.5x (%s) |" % (menu_ratio, verdict(menu_ratio >= 0.5)),
        "| menu GET p99, hotpath / nginx (ms) | %s / %s | |" % (plat["MENU_HOTPATH_P99_MS"],
                                                               plat["MENU_NGINX_P99_MS"]),
        "| database reads by server (whole run) | %s | |" % (plat.get("DB_READS") or "none"),
    ]
    table = "\n".join(rows)
    commit = benchmarks_md.binary_commit(os.environ.get("HOTPATH_BIN", os.path.join(ROOT, "build", "bin", "hotpath")))  # what was measured, not the checkout's HEAD
    header = "hotpath %s, %s, load %s, %d cores, PostgreSQL %s (%s), %s, menu %s bytes" % (
        commit, datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
        " ".join("%.2f" % x for x in os.getloadavg()), os.cpu_count(),
        version, settings, plat["WRK"], plat["MENU_BYTES"])
    commands = "\n".join([
        "bench/postgres/run.py --record    # make bench",
        "%s    # insert_one_row.sql: %s" % (pgb["command"], INSERT_SCRIPT.strip()),
        "BENCH_DATABASE_URL=postgresql://...primary BENCH_DATABASE_REPLICAS=postgresql://...replica bench/run.sh",
        "%s --latency http://127.0.0.1:PORT%s" % (plat["WRK"], plat["MENU_PATH"]),
        "%s --latency -s bench/platform/place_orders.lua http://127.0.0.1:PORT" % plat["WRK"],
    ])
    print()
    print(header)
    print(table)
    if record:
        benchmarks_md.record(
            benchmarks_md.default_path(ROOT), "## PostgreSQL data plane (issue #7)",
            "`make bench` (bench/postgres/run.py): a throwaway PostgreSQL 15 primary + streaming replica;\n"
            "in the same run pgbench's one-row INSERT (8 clients) as the reference for durable writes,\n"
            "then bench/run.sh with hotpath on that primary + replica (nginx as the menu reference).",
            benchmarks_md.entry(header, [commands], table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
