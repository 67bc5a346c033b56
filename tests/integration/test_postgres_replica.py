"""Read replicas against a real streaming standby: a PostgreSQL primary and a hot standby made
with pg_basebackup -R, hotpath configured with both. Restaurant lists are served by the replica
once it has replayed hotpath's writes (hotpath_db_reads_total{server="replica0"} grows, and the
standby itself counts the scans), a replica whose replay is paused does not serve a read that would
miss a write hotpath acknowledged (the primary answers, with the new data), and a dead replica
costs nothing but a fallback to the primary."""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402
import postgres_harness  # noqa: E402

CENTER = (41.0, 2.0)


class Replicas(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.primary = postgres_harness.PostgresServer().start()
        cls.db = cls.primary.create_database()
        cls.replica = cls.primary.replica()
        cls.server, cls.c, cls.admin = h.start_with_admin(
            "root@replica.hotpath.dev", database_url=cls.primary.url(cls.db),
            env={"HOTPATH_DATABASE_REPLICAS": cls.replica.url(cls.db), "HOTPATH_DATABASE_POOL_SIZE": "2"})

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.replica.stop()
        cls.primary.stop()

    def reads(self):
        text = self.c.get("/metrics").text
        out = {}
        for server, n in re.findall(r'^hotpath_db_reads_total\{server="(\w+)"\} (\S+)$', text, re.M):
            out[server] = float(n)
        return out

    def add_restaurant(self, name, dlat):
        r = self.c.post("/v1/restaurants", {"name": name, "location": {"lat": CENTER[0] + dlat, "lon": CENTER[1]}},
                        token=self.admin)
        self.assertEqual(r.status, 201, r)
        return r.json["id"]

    def nearby_ids(self):
        r = self.c.get("/v1/restaurants?lat=%s&lon=%s&radius_m=5000&limit=50" % CENTER)
        self.assertEqual(r.status, 200, r)
        return {x["id"] for x in r.json["items"]}

    def replica_scans(self):
        return int(self.replica.psql("SELECT COALESCE(seq_scan + idx_scan, seq_scan) FROM pg_stat_user_tables "
                                     "WHERE relname = 'restaurants'", db=self.db) or 0)

    def test_1_reads_are_served_by_the_caught_up_replica(self):
        rid = self.add_restaurant("Replica Diner", 0.001)
        self.primary.wait_replayed(self.replica)
        before, scans_before = self.reads(), self.replica_scans()
        for _ in range(5):
            self.assertIn(rid, self.nearby_ids())
        after = self.reads()
        self.assertGreaterEqual(after.get("replica0", 0) - before.get("replica0", 0), 5, (before, after))
        # The standby's own statistics saw the scans (not just our counter). An idle pooled backend
        # flushes its table statistics up to PGSTAT_IDLE_INTERVAL (10 s) later, more on a loaded machine.
        h.wait_for(lambda: self.replica_scans() >= scans_before + 5, timeout=45, what="scans counted on the standby")

    def test_2_a_paused_replica_never_hides_an_acknowledged_write(self):
        self.replica.psql("SELECT pg_wal_replay_pause()")
        try:
            h.wait_for(lambda: self.replica.psql("SELECT pg_get_wal_replay_pause_state()") == "paused",
                       what="replay paused")
            rid = self.add_restaurant("Written While Paused", 0.002)
            before = self.reads()
            self.assertIn(rid, self.nearby_ids())  # the replica lacks it: the primary answered
            after = self.reads()
            self.assertEqual(after.get("replica0", 0), before.get("replica0", 0), (before, after))
            self.assertGreater(after["primary"], before["primary"])
            self.assertEqual(self.replica.psql("SELECT count(*) FROM restaurants WHERE id = '%s'" % rid, db=self.db),
                             "0")
        finally:
            self.replica.psql("SELECT pg_wal_replay_resume()")
        self.primary.wait_replayed(self.replica)
        before = self.reads()
        self.assertIn(rid, self.nearby_ids())
        self.assertGreater(self.reads().get("replica0", 0), before.get("replica0", 0))

    def test_3_a_dead_replica_falls_back_to_the_primary(self):
        rid = self.add_restaurant("Outlives The Replica", 0.003)
        self.replica.kill()
        try:
            before = self.reads()
            for _ in range(5):
                self.assertIn(rid, self.nearby_ids())
            after = self.reads()
            self.assertEqual(after.get("replica0", 0), before.get("replica0", 0))
            self.assertGreaterEqual(after["primary"] - before["primary"], 5)
        finally:
            self.replica.restart()


if __name__ == "__main__":
    unittest.main(verbosity=2)
