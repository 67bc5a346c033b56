#!/usr/bin/env python3
"""Database work per order placed, counted by PostgreSQL itself (issue #7).

    bench/postgres/work_per_order.py [HOTPATH_BIN]

Starts a throwaway primary (with pg_stat_statements) and a streaming replica, runs bench/run.sh
(menu reads, then order placement; BENCH_DURATION, default 6s) against them, and prints per order
placed: transactions committed, statements executed, the executor's time and WAL bytes written,
then the statements by total execution time. On a shared, loaded machine the counts (commits,
statements, WAL) do not depend on the load, unlike rates and CPU times; the execution time does.
The whole run is counted (menu reads too, and the functions' work on the orders' events: a build
whose consumers lag behind at the end is counted for less work than it owes).
"""

import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import postgres_harness  # noqa: E402


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bin", "hotpath")
    primary = postgres_harness.PostgresServer(settings={"shared_preload_libraries": "'pg_stat_statements'",
                                                        "pg_stat_statements.track": "all"})
    primary.start()
    replica = None
    try:
        replica = primary.replica()
        db = primary.create_database("hotpath_bench")
        primary.psql("CREATE EXTENSION pg_stat_statements", db=db)
        primary.psql("SELECT pg_stat_statements_reset()", db=db)
        primary.psql("SELECT pg_stat_reset_shared('wal')", db=db)
        env = dict(os.environ, BENCH_DATABASE_URL=primary.url(db), BENCH_DATABASE_REPLICAS=replica.url(db),
                   BENCH_DURATION=os.environ.get("BENCH_DURATION", "6s"), HOTPATH_BIN=binary)
        out = subprocess.run([os.path.join(ROOT, "bench", "run.sh")], capture_output=True, text=True, env=env,
                             timeout=1800)
        if out.returncode != 0:
            sys.exit("bench/run.sh failed (%d):\n%s%s" % (out.returncode, out.stdout, out.stderr[-3000:]))
        orders = int(primary.psql("SELECT count(*) FROM orders", db=db))
        commits = int(primary.psql("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
                                   db=db))
        wal = int(primary.psql("SELECT wal_bytes FROM pg_stat_wal", db=db))
        calls, ms = primary.psql(
            "SELECT sum(calls), sum(total_exec_time) FROM pg_stat_statements WHERE dbid = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND query NOT LIKE 'CREATE%' AND query NOT LIKE 'ALTER%'", db=db).split("|")
        top = primary.psql(
            "SELECT string_agg(round(total_exec_time)::text || ' ms, calls ' || calls || ', rows ' || rows || ': ' "
            "|| left(regexp_replace(query, '\\s+', ' ', 'g'), 100), E'\\n' ORDER BY total_exec_time DESC) "
            "FROM (SELECT * FROM pg_stat_statements WHERE query NOT LIKE 'CREATE%' "
            "ORDER BY total_exec_time DESC LIMIT 12) s", db=db)
        load = open("/proc/loadavg").read().split()[:3]
        print("%s, load %s: orders %d, per order: commits %.2f, statements %.2f, executor %.0f us, WAL %.0f bytes" % (
            binary, " ".join(load), orders, commits / orders, int(calls) / orders, float(ms) * 1000 / orders,
            wal / orders))
        print(top)
    finally:
        if replica:
            replica.stop()
        primary.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
