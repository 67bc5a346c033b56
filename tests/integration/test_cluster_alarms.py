"""`hotpath cluster` with three processes (the primary s0, api processes s1 and s2): the primary's
alarms and console read the whole cluster's figures, not its own registry only.

- Orders placed only on s2 (never on the primary) while the shared database is held locked make the
  primary's p99 placement-latency alarm fire, and it clears once placements on s2 are fast again.
- s2 is killed (-9) after counting many requests: it is restarted in its slot, its old counts stay
  in the sum and the new process counts from zero, so a request-rate alarm sees no burst (summed
  naively, the total would drop and the evaluator would take the whole remaining count as one
  period's increase) and the console's totals go on from where they were.
- The console's platform view shows the requests of every process and lists the processes."""

import json
import os
import re
import sqlite3
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import cluster_harness as ch  # noqa: E402
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@cluster-alarms.hotpath.dev"


def setUpModule():
    global CLUSTER, C, ADMIN, PORTS
    CLUSTER, C, ADMIN = ch.start_with_admin(["--processes", "3", "--dispatch-mode", "nearest",
                                             "--shutdown-grace-ms", "2000", "--drain-timeout-s", "5"],
                                            ADMIN_EMAIL)
    PORTS = ch.slot_ports(CLUSTER.run_dir)


def tearDownModule():
    CLUSTER.cleanup()


def direct(slot):
    return h.Client("127.0.0.1", PORTS[slot])


def processes():
    """The controller's process table ({slot: entry})."""
    with open(os.path.join(CLUSTER.run_dir, "processes.json")) as f:
        return {p["slot"]: p for p in json.load(f)["processes"]}


def put_alarm(name, body):
    r = C.request("PUT", "/v1/alarms/" + name, body, token=ADMIN)  # HAProxy routes /v1/alarms to the primary
    assert r.status in (200, 201), r
    return r


def alarm(name):
    r = C.get("/v1/alarms/" + name, token=ADMIN)
    assert r.status == 200, r
    return r.json


def history(name):
    r = C.get("/v1/alarms/%s/history" % name, token=ADMIN)
    assert r.status == 200, r
    return [i for i in r.json["items"] if i["type"] == "StateUpdate"]


class Console:
    """The primary's live feed (/v1/ops/live): the latest snapshot."""

    def __init__(self):
        self.ws = h.WebSocket("127.0.0.1", CLUSTER.port, "/v1/ops/live?access_token=" + ADMIN)
        assert self.ws.status == 101
        assert self.ws.recv_json()["type"] == "hello"

    def snapshot(self):
        while True:
            msg = self.ws.recv_json()
            if msg.get("type") == "snapshot":
                return msg

    def route_total(self, route):
        return sum(r["requests"] for r in self.snapshot()["routes"] if r["route"] == route)

    def close(self):
        self.ws.close()


class ConsolePlatformView(unittest.TestCase):
    def test_route_totals_add_up_every_process_and_the_processes_are_listed(self):
        console = Console()
        try:
            procs = h.wait_for(lambda: (lambda s: s if s and len(s) == 3 and all(p["up"] for p in s) else None)(
                console.snapshot()["processes"]), timeout=20, what="three processes up in the console")
            self.assertEqual([(p["process"], p["role"]) for p in procs],
                             [("s0", "primary"), ("s1", "api"), ("s2", "api")])
            self.assertEqual({p["process"]: p["pid"] for p in procs}, {s: p["pid"] for s, p in processes().items()})
            # Nobody else asks for /v1/openapi.json: 3 on s1 and 4 on s2, none on the primary.
            before = console.route_total("/v1/openapi.json")
            for slot, n in (("s1", 3), ("s2", 4)):
                for _ in range(n):
                    self.assertEqual(direct(slot).get("/v1/openapi.json").status, 200)
            h.wait_for(lambda: console.route_total("/v1/openapi.json") == before + 7, timeout=10,
                       what="the console counting the api processes' requests")
        finally:
            console.close()


class LatencyAlarm(unittest.TestCase):
    def test_slow_placements_on_an_api_process_alone_fire_the_primarys_alarm_and_it_clears(self):
        world = h.World(direct("s2"), ADMIN)  # everything on s2: the primary never sees /v1/orders
        put_alarm("placement-p99", {
            "metric": "hotpath_http_request_duration_seconds", "labels": {"route": "/v1/orders"},
            "statistic": "p99", "period_s": 2, "threshold": 1, "comparison": ">",
            "evaluation_periods": 2, "datapoints_to_alarm": 1})
        # Fast placements on s2: the primary has datapoints for them (alone it would have none and
        # stay INSUFFICIENT_DATA).
        h.wait_for(lambda: world.place_ok() and alarm("placement-p99")["state"] == "OK", timeout=30,
                   interval=0.2, what="OK from s2's placements")

        # The database is held for 1.5 s by another writer while one placement waits on s2.
        db = sqlite3.connect(os.path.join(CLUSTER.data_dir, "hotpath.db"), timeout=10, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        placed = {}
        t = threading.Thread(target=lambda: placed.update(r=world.place()))
        started = time.monotonic()
        t.start()
        try:
            in_flight = lambda: int(re.search(r"^hotpath_http_requests_in_flight (\S+)$",
                                              direct("s2").get("/metrics").text, re.M).group(1)) >= 1
            h.wait_for(in_flight, timeout=10, what="the placement waiting in s2")
            time.sleep(1.5)  # the fault's duration, not a synchronisation
        finally:
            db.execute("ROLLBACK")
            db.close()
        t.join(30)
        self.assertEqual(placed["r"].status, 201, placed["r"])
        self.assertGreater(time.monotonic() - started, 1.5)
        fired = h.wait_for(lambda: (lambda a: a if a["state"] == "ALARM" else None)(alarm("placement-p99")),
                           timeout=15, interval=0.2, what="the placement latency alarm on the primary")
        self.assertIn("greater than the threshold (1)", fired["reason"])

        # Fast placements again, on s2 only: the alarm clears.
        h.wait_for(lambda: world.place_ok() and alarm("placement-p99")["state"] == "OK", timeout=30,
                   interval=0.2, what="the alarm clearing")
        self.assertEqual([(i["old_state"], i["new_state"]) for i in history("placement-p99")][:2],
                         [("ALARM", "OK"), ("OK", "ALARM")])  # newest first


class RestartedProcess(unittest.TestCase):
    def test_a_killed_api_process_makes_no_false_alarm_and_its_successor_counts_from_zero(self):
        route = "/v1/zones"
        console = Console()
        try:
            start = console.route_total(route)
            for _ in range(150):  # a large count in s2's registry (and some on s1)
                self.assertEqual(direct("s2").get(route).status, 200)
            for _ in range(100):
                self.assertEqual(direct("s1").get(route).status, 200)
            # The primary reads the others' counts once a second: the alarm starts after it has.
            before = h.wait_for(lambda: (lambda n: n if n == start + 250 else None)(console.route_total(route)),
                                timeout=10, what="the primary counting the 250 requests")
            put_alarm("zones-rate", {"metric": "hotpath_http_requests_total", "labels": {"route": route},
                                     "statistic": "rate", "period_s": 1, "threshold": 40, "comparison": ">",
                                     "evaluation_periods": 1, "datapoints_to_alarm": 1})
            h.wait_for(lambda: alarm("zones-rate")["state"] == "OK", timeout=15, interval=0.2, what="zones-rate OK")
            old = processes()["s2"]
            os.kill(old["pid"], 9)
            new = h.wait_for(lambda: (lambda p: p if p.get("s2", {}).get("pid") not in (None, old["pid"])
                                      and p["s2"]["state"] == "active" else None)(processes()),
                             timeout=60, what="s2 restarted")["s2"]
            h.wait_for(lambda: any(p["process"] == "s2" and p["pid"] == new["pid"] and p["up"]
                                   for p in console.snapshot()["processes"]),
                       timeout=20, what="the primary scraping the new s2")
            # The old counts stay; the new process's 5 requests are added to them.
            for _ in range(5):
                self.assertEqual(h.Client("127.0.0.1", new["port"]).get(route).status, 200)
            h.wait_for(lambda: console.route_total(route) == before + 5, timeout=10,
                       what="the console total going on from where it was")
            # A few more one-second periods evaluated after the restart (one snapshot a second).
            for _ in range(3):
                console.snapshot()
        finally:
            console.close()
        a = alarm("zones-rate")
        self.assertEqual(a["state"], "OK", a)
        self.assertEqual([i["new_state"] for i in history("zones-rate")], ["OK"], history("zones-rate"))


if __name__ == "__main__":
    unittest.main()
