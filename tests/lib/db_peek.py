"""Read-only SQL against a test server's database, whichever backend the run uses (SQLite file in
the data directory, or the PostgreSQL database the harness made for it). For checking read models
the API does not expose. Values are returned as strings (psql's text output); `sql` must not take
untrusted input (no parameters: the tests pass ids they made)."""

import os
import sqlite3

import hotpath_harness as h


def rows(data_dir, sql):
    if h.BACKEND == "postgres":
        url = h.child_env(data_dir)["HOTPATH_DATABASE_URL"]
        out = h.postgres_server().psql(sql, db=url.rsplit("/", 1)[1])
        return [tuple(line.split("|")) for line in out.splitlines() if line]
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data_dir, "hotpath.db"), uri=True)
    try:
        return [tuple(str(v) for v in r) for r in db.execute(sql).fetchall()]
    finally:
        db.close()
