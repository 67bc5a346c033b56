"""The event bus seen from outside: the outbox relayed to the embedded log, `hotpath events tail`,
restarts and kill -9 (no acknowledged event missing, per-order order kept)."""

import json
import os
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@test.hotpath.dev"


def setUpModule():
    global SERVER, C, ADMIN
    SERVER, C, ADMIN = h.start_with_admin(ADMIN_EMAIL, h.NEAREST)  # assignment on acceptance


def tearDownModule():
    SERVER.cleanup()


def tail(data_dir, *extra, topic="orders"):
    out = subprocess.run([h.BIN, "events", "tail", "--topic", topic, "--data-dir", data_dir] + list(extra),
                         capture_output=True, text=True, timeout=60, env=h.CHILD_ENV)
    return out


def tail_events(data_dir):
    out = tail(data_dir, "--from-beginning", "--no-follow")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def types_of(events, order_id):
    return [e["type"] for e in events if e.get("subject") == order_id]


class Relay(unittest.TestCase):
    def test_order_lifecycle_reaches_the_bus_in_order_as_cloudevents(self):
        w = h.World(C, ADMIN, riders=1)
        oid = w.place_ok()["id"]
        self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
        o = w.wait_rider(oid)
        self.assertEqual(w.act(oid, "ready", w.staff_token).status, 200)
        rider = w.rider_token(o["rider_id"])
        self.assertEqual(w.act(oid, "pickup", rider).status, 200)
        self.assertEqual(w.act(oid, "deliver", rider).status, 200)
        want = ["order.placed", "order.accepted", "order.rider_assigned", "order.ready", "order.picked_up",
                "order.delivered"]
        events = h.wait_for(lambda: (lambda ev: ev if len(types_of(ev, oid)) == len(want) else None)(
            tail_events(SERVER.data_dir)), timeout=15, what="the order's events on the bus")
        mine = [e for e in events if e.get("subject") == oid]
        self.assertEqual([e["type"] for e in mine], want)
        for e in mine:
            self.assertEqual(e["specversion"], "1.0")
            self.assertEqual(e["source"], "/hotpath/orders")
            self.assertTrue(e["dataschema"].endswith("/v1"), e)
            self.assertEqual(e["data"]["order_id"], oid)
        self.assertEqual(len({e["id"] for e in mine}), len(mine))

    def test_follow_mode_prints_new_events_as_they_happen(self):
        proc = subprocess.Popen([h.BIN, "events", "tail", "--topic", "orders", "--data-dir", SERVER.data_dir],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=h.CHILD_ENV)
        try:
            lines = []
            reader = threading.Thread(target=lambda: [lines.append(x) for x in proc.stdout], daemon=True)
            reader.start()
            w = h.World(C, ADMIN)
            # tail starts at the end: events placed from now on must show up
            def placed():
                oid = w.place_ok()["id"]
                return oid
            oid = placed()
            h.wait_for(lambda: any(json.loads(x).get("subject") == oid for x in list(lines)), timeout=15,
                       what="the followed event")
        finally:
            proc.kill()
            proc.wait()

    def test_bad_command_lines_are_refused_with_a_message(self):
        for args, needle in ((["events", "tail"], "--topic is required"),
                             (["events", "tail", "--topic", "no spaces"], "invalid topic"),
                             (["events", "tail", "--topic", "orders", "--bogus", "1"], "unknown flag --bogus"),
                             (["events"], "usage: hotpath events tail"),
                             (["events", "tail", "--topic", "orders", "extra"], "unexpected argument")):
            out = subprocess.run([h.BIN] + args + ["--data-dir", SERVER.data_dir], capture_output=True, text=True,
                                 timeout=30, env=h.CHILD_ENV)
            self.assertEqual(out.returncode, 2, (args, out.stdout, out.stderr))
            self.assertIn(needle, out.stderr, args)
        # a topic nobody wrote yet: nothing, success
        out = tail(SERVER.data_dir, "--from-beginning", "--no-follow", topic="nothing.here")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout, "")


class Restarts(unittest.TestCase):
    def test_clean_restart_and_kill_nine_lose_nothing_and_keep_order(self):
        server, client, admin = h.start_with_admin("restart@test.hotpath.dev")
        try:
            w = h.World(client, admin)
            first = [w.place_ok()["id"] for _ in range(5)]
            h.wait_for(lambda: all(types_of(tail_events(server.data_dir), o) for o in first), timeout=15,
                       what="relayed events")
            self.assertEqual(server.stop(), 0)
            server.start()
            client = server.client()
            w.client = client
            second = [w.place_ok()["id"] for _ in range(5)]
            for oid in second:
                self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
            server.kill()  # acknowledged but perhaps not yet relayed: the relay resumes after restart
            server.start()
            w.client = server.client()

            def complete():
                ev = tail_events(server.data_dir)
                ok = all(types_of(ev, o) == ["order.placed"] for o in first) and all(
                    types_of(ev, o)[:2] == ["order.placed", "order.accepted"] for o in second)
                return ev if ok else None
            events = h.wait_for(complete, timeout=15, what="every acknowledged event on the bus")
            # a clean stop relays everything first: nothing before the clean restart is repeated
            ids = [e["id"] for e in events if e.get("subject") in first]
            self.assertEqual(len(ids), len(set(ids)))
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
