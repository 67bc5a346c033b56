"""`hotpath cluster --autoscale` under a surge: the controller scales out while load ramps up and
holds, and back in after it ramps down, with zero failed requests and zero dropped WebSocket
order events during scale-in.

Surge (closed-loop Python load generator through HAProxy, parameters below): RAMP_UP_S seconds from
1 to PEAK_WORKERS concurrent workers, HOLD_S at the peak, RAMP_DOWN_S back to 0. Each worker loops
over a public menu read, an authenticated zone list and a quote, and places an order every
PLACE_EVERY requests.
Meanwhile WS_CLIENTS customers follow their orders over /v1/ws through HAProxy, and a driver moves
every followed order through accepted -> ready. When a process is drained, its WebSockets stay
open until DRAIN_TIMEOUT_S, then the process closes them (1001 going away); the client reconnects
through HAProxy and resubscribes each order with its last event id. The test checks every order's
events arrived exactly once, in order. About 80 s in all; the cluster runs as
`hotpath autoscale` (= `hotpath cluster --autoscale`)."""

import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import cluster_harness as ch  # noqa: E402
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@autoscale.hotpath.dev"
RAMP_UP_S, HOLD_S, RAMP_DOWN_S = 30, 15, 8
PEAK_WORKERS = 12
PLACE_EVERY = 10
WS_CLIENTS = 9
DRAIN_TIMEOUT_S = 3
MAX_PROCESSES = 3
AUTOSCALE = ["--processes", "1", "--min-processes", "1", "--max-processes", str(MAX_PROCESSES),
             "--autoscale-interval-ms", "1000", "--scale-out-cooldown-s", "3", "--scale-in-cooldown-s", "6",
             "--target-in-flight", "1.5", "--target-cpu", "0.3", "--target-p95-ms", "1000", "--scale-in-below", "0.3",
             "--drain-timeout-s", str(DRAIN_TIMEOUT_S), "--shutdown-grace-ms", "3000", "--dispatch-mode", "nearest"]


class Load:
    """Closed-loop workers through HAProxy; the number of running workers follows the surge."""

    def __init__(self, world, admin):
        self.world = world
        self.admin = admin
        self.target = 0
        self.stop = False
        self.ok = 0
        self.failures = []
        self.lock = threading.Lock()
        self.threads = []

    def worker(self, index):
        c = CLUSTER.client(timeout=30)
        n = 0
        while not self.stop:
            if index >= self.target:
                time.sleep(0.05)  # this worker is above the surge's current level: idle
                continue
            n += 1
            try:
                if n % PLACE_EVERY == 0:
                    r = c.post("/v1/orders", self.world.order_body(), token=self.world.customer_token,
                               headers={"Idempotency-Key": h.unique("surge")})
                    good = r.status == 201
                elif n % 3 == 0:
                    r = c.get("/v1/restaurants/%s/menu" % self.world.rid)
                    good = r.status == 200
                elif n % 3 == 1:
                    r = c.get("/v1/zones", token=self.admin)
                    good = r.status == 200
                else:
                    r = c.post("/v1/orders/quote", {k: v for k, v in self.world.order_body().items()
                                                    if k != "payment_method"}, token=self.world.customer_token)
                    good = r.status == 200
            except Exception as e:  # noqa: BLE001 - a failed request is what we count
                r, good = repr(e), False
            with self.lock:
                if good:
                    self.ok += 1
                else:
                    self.failures.append(repr(r)[:300])

    def run_surge(self):
        for i in range(PEAK_WORKERS):
            t = threading.Thread(target=self.worker, args=(i,), daemon=True)
            t.start()
            self.threads.append(t)
        start = time.monotonic()
        total = RAMP_UP_S + HOLD_S + RAMP_DOWN_S
        while True:
            t = time.monotonic() - start
            if t >= total:
                break
            if t < RAMP_UP_S:
                self.target = 1 + int((PEAK_WORKERS - 1) * t / RAMP_UP_S)
            elif t < RAMP_UP_S + HOLD_S:
                self.target = PEAK_WORKERS
            else:
                self.target = int(PEAK_WORKERS * (1 - (t - RAMP_UP_S - HOLD_S) / RAMP_DOWN_S))
            time.sleep(0.2)  # the surge's clock, not a synchronisation
        self.target = 0

    def finish(self):
        self.stop = True
        for t in self.threads:
            t.join(30)


class Follower:
    """One customer's WebSocket through HAProxy following its orders; reconnects and resumes."""

    def __init__(self, world, token):
        self.world = world
        self.token = token
        self.events = {}      # order id -> [event types in arrival order]
        self.last = {}        # order id -> last event id
        self.reconnects = 0
        self.closing = False
        self.lock = threading.Lock()
        self.ws = None
        self.connect()
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def connect(self):
        self.ws = h.WebSocket("127.0.0.1", CLUSTER.port, "/v1/ws?access_token=" + self.token, timeout=60)
        assert self.ws.status == 101, self.ws.status
        with self.lock:
            for oid, last in self.last.items():
                self.ws.send_json({"type": "subscribe", "order_id": oid, "last_event_id": last})

    def follow(self, oid):
        with self.lock:
            self.last[oid] = 0
            self.events[oid] = []
            try:
                self.ws.send_json({"type": "subscribe", "order_id": oid})
            except OSError:
                pass  # the connection is going away: the reconnect subscribes from self.last

    def read(self):
        while not self.closing:
            try:
                msg = self.ws.recv_json()
            except (EOFError, OSError):
                if self.closing:
                    return
                self.reconnects += 1
                deadline = time.monotonic() + 30
                while True:
                    try:
                        self.connect()
                        break
                    except (OSError, AssertionError):
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)  # HAProxy routes to a live process on the next attempt
                continue
            if msg.get("type") == "event":
                with self.lock:
                    self.events[msg["order_id"]].append(msg["event"]["type"])
                    self.last[msg["order_id"]] = msg["id"]

    def close(self):
        self.closing = True
        self.ws.close()


def setUpModule():
    global CLUSTER, C, ADMIN
    CLUSTER, C, ADMIN = ch.start_with_admin(AUTOSCALE, ADMIN_EMAIL, command="autoscale")


def tearDownModule():
    CLUSTER.cleanup()


class Surge(unittest.TestCase):
    def test_scales_out_and_in_without_failed_requests_or_dropped_events(self):
        world = h.World(C, ADMIN)
        load = Load(world, ADMIN)
        surge = threading.Thread(target=load.run_surge, daemon=True)
        surge.start()
        # Followers connect once the cluster has grown, so some of them sit on processes that are later drained.
        h.wait_for(lambda: CLUSTER.metric("hotpath_autoscale_processes") == MAX_PROCESSES, timeout=RAMP_UP_S + HOLD_S,
                   interval=0.2, what="scale-out to %d processes" % MAX_PROCESSES)
        followers = [Follower(world, world.customer_token) for _ in range(WS_CLIENTS)]
        followed = []
        stop_driver = threading.Event()

        def driver():
            # Places an order for a follower, then accepts and readies it: three events per order.
            i = 0
            while not stop_driver.is_set():
                f = followers[i % WS_CLIENTS]
                i += 1
                order = world.place_ok(key=h.unique("follow"))
                f.follow(order["id"])
                followed.append((f, order["id"]))
                for action, body in (("accept", {"prep_minutes": 5}), ("ready", None)):
                    r = world.act(order["id"], action, world.staff_token, body)
                    assert r.status == 200, r
                stop_driver.wait(0.3)  # pacing of the order stream, not a synchronisation

        d = threading.Thread(target=driver, daemon=True)
        d.start()
        surge.join()
        # Scale-in back to the minimum, with the followers still listening and orders still moving.
        h.wait_for(lambda: CLUSTER.metric("hotpath_autoscale_processes") == 1, timeout=60, interval=0.2,
                   what="scale-in to 1 process")
        h.wait_for(lambda: "process stopped" in CLUSTER.log_tail(10 ** 7).split("scale_in")[-1], timeout=30,
                   what="the last drained process stopped")
        stop_driver.set()
        d.join(30)
        load.finish()

        want = ["order.placed", "order.accepted", "order.ready"]

        def complete():
            return all(f.events.get(oid) and len(f.events[oid]) >= 3 for f, oid in followed)
        h.wait_for(complete, timeout=20, what="every followed order's events")
        for f, oid in followed:
            self.assertEqual(f.events[oid], want, "order %s" % oid)
        for f in followers:
            f.close()

        self.assertEqual(load.failures, [], "failed requests")
        self.assertGreater(load.ok, 500)
        self.assertGreater(sum(f.reconnects for f in followers), 0, "no WebSocket was on a drained process")
        actions = [dec["action"] for dec in CLUSTER.decisions()]
        self.assertIn("scale_out", actions)
        self.assertIn("scale_in", actions)
        self.assertLess(actions.index("scale_out"), len(actions) - 1 - actions[::-1].index("scale_in"))
        self.assertEqual(CLUSTER.metric("hotpath_autoscale_decisions_total", '{action="scale_in"}'),
                         float(actions.count("scale_in")))
        self.assertGreaterEqual(len(followed), 10)
        # The operations console (the primary's live feed, through HAProxy) shows the same decisions.
        ws = h.WebSocket("127.0.0.1", CLUSTER.port, "/v1/ops/live?access_token=" + ADMIN)
        try:
            self.assertEqual(ws.status, 101)
            self.assertEqual(ws.recv_json()["type"], "hello")
            # The controller keeps deciding while we read (on a loaded machine it may even scale out
            # again): compare a snapshot with the decision log read right after it, taking the next
            # snapshot (one a second) until no scaling happened in between.
            for _ in range(30):
                msg = ws.recv_json()
                if "autoscaler" not in msg:
                    continue
                scaler = msg["autoscaler"]
                log = CLUSTER.decisions()
                actions = [dec["action"] for dec in log]
                if (scaler["decisions_total"]["scale_out"], scaler["decisions_total"]["scale_in"]) == \
                        (actions.count("scale_out"), actions.count("scale_in")):
                    break
            self.assertTrue(scaler["running"], scaler)
            self.assertFalse(scaler["stale"], scaler)
            scaled = [dec for dec in log if dec["action"] != "hold"]
            self.assertEqual(scaler["processes"], int(scaled[-1]["desired"]), (scaler, scaled[-1]))
            # After the surge it went back to the minimum (whatever the machine's load did later).
            self.assertIn(1, [int(d["desired"]) for d in scaled if d["action"] == "scale_in"], scaled)
            self.assertEqual((scaler["min_processes"], scaler["max_processes"]), (1, MAX_PROCESSES))
            self.assertEqual(scaler["decisions_total"]["scale_out"], actions.count("scale_out"))
            self.assertEqual(scaler["decisions_total"]["scale_in"], actions.count("scale_in"))
            self.assertGreater(scaler["decisions_total"]["hold"], 0)
            self.assertEqual([d["action"] for d in scaler["recent"]], [dec["action"] for dec in scaled][::-1][:20])
            logged = scaled[-1]
            self.assertEqual((scaler["recent"][0]["current"], scaler["recent"][0]["desired"], scaler["recent"][0]["reason"]),
                             (int(logged["current"]), int(logged["desired"]), logged["reason"]))
        finally:
            ws.close()
        print("surge: %d requests ok, %d orders followed, %d reconnects, decisions %s" %
              (load.ok, len(followed), sum(f.reconnects for f in followers),
               [(dec["action"], dec["current"], dec["desired"], dec["signal"]) for dec in CLUSTER.decisions()]))


if __name__ == "__main__":
    unittest.main()
