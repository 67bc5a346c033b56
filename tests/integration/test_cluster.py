"""`hotpath cluster`: HAProxy in front of two hotpath processes on one data directory.
Requests are balanced over both; an order event committed by one process reaches live subscribers
on the other (SSE and WebSocket); a killed process is replaced and HAProxy routes around it; SIGTERM
stops HAProxy and every process; bad options are refused with the reason."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import cluster_harness as ch  # noqa: E402
import edge_harness as edge  # noqa: E402
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@cluster.hotpath.dev"


def setUpModule():
    global CLUSTER, C, ADMIN, PORTS
    CLUSTER, C, ADMIN = ch.start_with_admin(["--processes", "2", "--dispatch-mode", "nearest",
                                             "--shutdown-grace-ms", "2000", "--drain-timeout-s", "5"],
                                            ADMIN_EMAIL)
    PORTS = ch.slot_ports(CLUSTER.run_dir)


def tearDownModule():
    if CLUSTER.proc is not None:
        CLUSTER.cleanup()


def direct(slot):
    return h.Client("127.0.0.1", PORTS[slot])


class Balancing(unittest.TestCase):
    def test_both_processes_serve_and_are_checked_on_readyz(self):
        h.wait_for(lambda: all(s["status"] == "UP" for s in ch.servers(CLUSTER.run_dir).values()),
                   timeout=20, what="both servers UP")
        before = {n: int(s["stot"]) for n, s in ch.servers(CLUSTER.run_dir).items()}
        clients = [CLUSTER.client() for _ in range(4)]
        for i in range(40):
            self.assertEqual(clients[i % 4].get("/v1/zones", token=ADMIN).status, 200)
        after = {n: int(s["stot"]) for n, s in ch.servers(CLUSTER.run_dir).items()}
        self.assertEqual(set(after), {"s0", "s1"})
        for name in after:
            self.assertGreater(after[name], before[name], "no request reached %s" % name)
        cfg = open(os.path.join(CLUSTER.run_dir, "haproxy.cfg")).read()
        self.assertIn("option httpchk GET /readyz", cfg)
        self.assertIn("balance leastconn", cfg)


    def test_dispatcher_traffic_goes_to_the_primary(self):
        rider, _ = h.create_user(C, ADMIN, "rider")
        customer, _ = h.signup(C)
        primary = lambda: int(ch.servers(CLUSTER.run_dir, "primary")["s0"]["stot"])
        before = primary()
        self.assertEqual(C.get("/v1/offers", token=rider).status, 200)
        ws = h.WebSocket("127.0.0.1", CLUSTER.port, "/v1/ws?access_token=" + rider)
        self.assertEqual(ws.status, 101)
        ws.close()
        self.assertEqual(primary(), before + 2)
        ws = h.WebSocket("127.0.0.1", CLUSTER.port, "/v1/ws?access_token=" + customer)  # balanced
        self.assertEqual(ws.status, 101)
        ws.close()
        self.assertEqual(primary(), before + 2)


class LiveAcrossProcesses(unittest.TestCase):
    def test_console_says_the_cluster_runs_without_autoscaling(self):
        # The live feed runs on the primary (HAProxy routes /v1/ops/* there); without --autoscale the
        # controller writes no decisions, and the platform page says so.
        ws = h.WebSocket("127.0.0.1", CLUSTER.port, "/v1/ops/live?access_token=" + ADMIN)
        try:
            self.assertEqual(ws.status, 101)
            self.assertEqual(ws.recv_json()["type"], "hello")
            self.assertEqual(ws.recv_json()["autoscaler"], {"running": False})
        finally:
            ws.close()
        self.assertFalse(os.path.exists(os.path.join(CLUSTER.run_dir, "autoscale.json")))

    def test_events_committed_on_one_process_reach_subscribers_on_the_other(self):
        world = h.World(direct("s0"), ADMIN)
        order = world.place_ok()
        oid = order["id"]
        # SSE on the api process s1, WebSocket on the primary s0; all actions through s0 and s1 in turn.
        sse = h.SseStream("127.0.0.1", PORTS["s1"], "/v1/orders/%s/events" % oid, world.customer_token)
        self.assertEqual(sse.status, 200)
        ws = h.WebSocket("127.0.0.1", PORTS["s0"], "/v1/ws?access_token=" + world.customer_token)
        self.assertEqual(ws.status, 101)
        ws.send_json({"type": "subscribe", "order_id": oid})
        self.assertEqual(ws.recv_json()["type"], "subscribed")
        self.assertEqual(direct("s1").post("/v1/orders/%s/accept" % oid, {"prep_minutes": 10},
                                           token=world.staff_token).status, 200)
        self.assertEqual(direct("s0").post("/v1/orders/%s/ready" % oid, None, token=world.staff_token).status, 200)
        want = ["order.placed", "order.accepted", "order.ready"]
        self.assertEqual([sse.next_event()["event"] for _ in want], want)
        got = []
        while len(got) < len(want):
            msg = ws.recv_json()
            if msg.get("type") == "event":
                got.append(msg["event"]["type"])
        self.assertEqual(got, want)
        sse.close()
        ws.close()


class SharedCatalog(unittest.TestCase):
    def test_an_edit_through_one_process_is_seen_by_the_other(self):
        world = h.World(direct("s0"), ADMIN)
        item = world.items[0]
        path = "/v1/restaurants/%s/menu" % world.rid
        price = lambda: [i for i in direct("s1").get(path).json["items"] if i["id"] == item["id"]][0]["price"]["amount"]
        self.assertEqual(price(), item["price"]["amount"])  # now cached on s1
        r = direct("s0").patch("/v1/restaurants/%s/items/%s" % (world.rid, item["id"]),
                               {"price": {"amount": 999, "currency": "USD"}}, token=ADMIN)
        self.assertEqual(r.status, 200, r)
        h.wait_for(lambda: price() == 999, timeout=5, what="the new price on s1")
        # A zone created through s0 places a restaurant created through s1.
        z = direct("s0").post("/v1/zones", {"name": h.unique("zone"), "polygon": h.rect(-80, 100, -79.9, 100.1)},
                              token=ADMIN)
        self.assertEqual(z.status, 201)

        def placed():
            r = direct("s1").post("/v1/restaurants", {"name": "Far", "location": {"lat": -79.95, "lon": 100.05},
                                                      "zone_id": z.json["id"]}, token=ADMIN)
            return r.status == 201 and r.json.get("zone_id") == z.json["id"]
        h.wait_for(placed, timeout=5, what="s1 knows the new zone")


class Supervision(unittest.TestCase):
    def test_a_killed_process_is_replaced_and_routed_around(self):
        c = CLUSTER.client()
        victim = int([l for l in CLUSTER.log_tail(10 ** 7).splitlines()
                      if 'process started' in l and '"slot":"s1"' in l][-1].split('"pid":"')[1].split('"')[0])
        os.kill(victim, 9)
        # Requests keep succeeding while s1 is down and being replaced (HAProxy retries elsewhere).
        for _ in range(30):
            self.assertEqual(c.get("/v1/zones", token=ADMIN).status, 200)
        h.wait_for(lambda: CLUSTER.metric("hotpath_cluster_process_restarts_total") == 1, timeout=30,
                   what="the restart counted")
        h.wait_for(lambda: ch.servers(CLUSTER.run_dir)["s1"]["status"] == "UP", timeout=30, what="s1 back UP")


class Options(unittest.TestCase):
    def run_cluster(self, *args):
        return subprocess.run([h.BIN, "cluster"] + list(args), capture_output=True, text=True, env=h.CHILD_ENV,
                              timeout=60)

    def test_bad_options_are_refused_with_the_reason(self):
        for args, needle in ((["--listen", "127.0.0.1:0"], "fixed port"),
                             (["--listen", "127.0.0.1:1", "--role", "api"], "role"),
                             (["--listen", "127.0.0.1:1", "--processes", "0"], "processes"),
                             (["--listen", "127.0.0.1:1", "--autoscale", "--min-processes", "3",
                               "--max-processes", "2"], "min_processes"),
                             (["--listen", "127.0.0.1:1", "--bogus", "1"], "bogus")):
            r = self.run_cluster(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(needle, r.stderr, args)


class ZShutdown(unittest.TestCase):
    """Runs last (unittest orders classes by name)."""

    def test_sigterm_stops_haproxy_and_every_process(self):
        pids = [int(p) for p in
                __import__("re").findall(r'"pid":"(\d+)"', CLUSTER.log_tail(10 ** 7))]
        self.assertEqual(CLUSTER.stop(), 0)
        for pid in pids:
            self.assertFalse(os.path.exists("/proc/%d" % pid) and
                             open("/proc/%d/stat" % pid).read().split()[2] != "Z", "pid %d still runs" % pid)
        with self.assertRaises(RuntimeError):
            edge.wait_port(CLUSTER.port, timeout=0.2)
        CLUSTER.cleanup()


if __name__ == "__main__":
    unittest.main()
