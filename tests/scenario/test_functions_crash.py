"""Crash test of the event pipeline and the functions: orders flow through placement, acceptance,
rider assignment and delivery while the server is killed with SIGKILL at seeded random moments and
restarted. Afterwards:
  - every acknowledged order has all its events on the bus, in order;
  - each function applied each event exactly once: the analytics counts equal the number of orders,
    the order-status cache shows every order delivered, each event produced exactly one delivery per
    channel, and the sinks received every notification (webhook and email) of every order;
  - transport-level repeats (a delivery sent again because the kill fell between the receiver's 2xx
    and the recording of the success) carry the same delivery id and are bounded by what was in
    flight at the kills; they are counted and printed;
  - nothing sits in a dead-letter topic.

Parameters (environment): HOTPATH_CRASH_ORDERS (default 400; `bench/functions/crash.sh` runs the
issue's 5,000), HOTPATH_CRASH_KILLS (default 5), HOTPATH_CRASH_SEED (default 20261204)."""

import collections
import datetime
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402
import db_peek  # noqa: E402
import sinks  # noqa: E402

ORDERS = int(os.environ.get("HOTPATH_CRASH_ORDERS", "400"))
KILLS = int(os.environ.get("HOTPATH_CRASH_KILLS", "5"))
SEED = int(os.environ.get("HOTPATH_CRASH_SEED", "20261204"))
DRIVERS = 8
SENDERS = 8
ORDER_FLOW = ["order.placed", "order.accepted", "order.rider_assigned", "order.ready", "order.picked_up",
              "order.delivered"]
STATUS_AFTER = {"accept": "accepted", "ready": "ready", "pickup": "picked_up", "deliver": "delivered"}
RANK = {s: i for i, s in enumerate(["placed", "accepted", "ready", "picked_up", "delivered"])}


class Cluster:
    """The one server, killed and restarted by the killer; drivers follow its port."""

    def __init__(self, server):
        self.server = server
        self.lock = threading.Lock()
        self.port = server.port
        self.generation = 0

    def client(self, cached):
        with self.lock:
            if cached is None or cached[0] != self.generation:
                return (self.generation, h.Client("127.0.0.1", self.port, timeout=30))
            return cached

    def kill_and_restart(self):
        with self.lock:
            self.server.kill()
            self.generation += 1
        self.server.start(timeout=120)
        with self.lock:
            self.port = self.server.port
            self.generation += 1


class Driver:
    def __init__(self, cluster, world):
        self.cluster = cluster
        self.w = world
        self.cached = None

    def call(self, method, path, body=None, token=None, headers=None):
        """Retries through kills: connection errors and 503s while (re)starting."""
        deadline = time.monotonic() + 120
        while True:
            self.cached = self.cluster.client(self.cached)
            try:
                r = self.cached[1].request(method, path, body=body, token=token, headers=headers)
                if r.status != 503:
                    return r
            except (OSError, http.client.HTTPException):
                self.cached[1].close()
            if time.monotonic() > deadline:
                raise AssertionError("%s %s did not get through for 120 s" % (method, path))
            time.sleep(0.05)

    def status(self, oid):
        r = self.call("GET", "/v1/orders/" + oid, token=self.w.admin)
        assert r.status == 200, r
        return r.json

    def act(self, oid, action, token, body=None):
        want = STATUS_AFTER[action]
        while True:
            r = self.call("POST", "/v1/orders/%s/%s" % (oid, action), body=body, token=token)
            if r.status == 200:
                return
            # The action may have committed before a kill swallowed its answer.
            o = self.status(oid)
            if RANK.get(o["status"], -1) >= RANK[want]:
                return
            assert r.status in (409,), (action, r)
            time.sleep(0.05)

    def run_order(self, i, acked):
        r = self.call("POST", "/v1/orders", body=self.w.order_body(), token=self.w.customer_token,
                      headers={"Idempotency-Key": "crash-%d-%d" % (SEED, i)})
        assert r.status == 201, r
        oid = r.json["id"]
        acked.append(oid)
        self.act(oid, "accept", self.w.staff_token, {"prep_minutes": 5})
        deadline = time.monotonic() + 60
        while True:
            o = self.status(oid)
            if o.get("rider_id"):
                break
            assert time.monotonic() < deadline, "no rider on " + oid
            time.sleep(0.02)
        self.act(oid, "ready", self.w.staff_token)
        rider = self.w.rider_token(o["rider_id"])
        self.act(oid, "pickup", rider)
        self.act(oid, "deliver", rider)


class CrashTest(unittest.TestCase):
    def test_kill9_during_order_flow_loses_and_repeats_no_effect(self):
        HTTP, SMTP = sinks.HttpSink(), sinks.SmtpSink()
        args = h.NEAREST + ["--notify-smtp-url", "smtp://127.0.0.1:%d" % SMTP.port,
                            "--notify-retry-initial-ms", "100", "--notify-retry-max-ms", "500",
                            "--notify-senders", str(SENDERS)]
        server, c, admin = h.start_with_admin("root@crash.hotpath.dev", args)
        try:
            self.run_scenario(server, c, admin, HTTP, SMTP)
        finally:
            server.cleanup()
            HTTP.close()
            SMTP.close()

    def run_scenario(self, server, c, admin, HTTP, SMTP):
        w = h.World(c, admin, riders=DRIVERS)
        secret = "crash-secret-0123456789"
        r = c.post("/v1/me/notification-channels", {"kind": "webhook", "target": HTTP.hook("cust", secret),
                                                    "secret": secret}, token=w.customer_token)
        self.assertEqual(r.status, 201, r)
        email = "customer@crash.test"
        r = c.post("/v1/me/notification-channels", {"kind": "email", "target": email}, token=w.customer_token)
        self.assertEqual(r.status, 201, r)
        started = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)

        cluster = Cluster(server)
        rng = random.Random(SEED)
        # Kill points: after a random share of the orders is done (so every kill hits flowing
        # orders), plus a random delay; seeded.
        kill_at = sorted(rng.uniform(0.05, 0.85) for _ in range(KILLS))
        kills_done = threading.Event()  # the last tenth of the orders waits for it: every kill hits flowing orders
        delays = [rng.uniform(0.0, 0.4) for _ in range(KILLS)]
        acked = []
        done = [0]
        lock = threading.Lock()
        next_index = iter(range(ORDERS))
        errors = []

        def drive():
            d = Driver(cluster, w)
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                if i >= 0.9 * ORDERS:
                    kills_done.wait(timeout=300)
                try:
                    d.run_order(i, acked)
                except Exception as e:  # noqa: BLE001 - reported by the main thread
                    errors.append("order %d: %r" % (i, e))
                    return
                with lock:
                    done[0] += 1

        kills = []

        def killer():
            try:
                for share, delay in zip(kill_at, delays):
                    while done[0] < share * ORDERS and not errors and any(t.is_alive() for t in threads):
                        time.sleep(0.01)
                    time.sleep(delay)
                    if not any(t.is_alive() for t in threads):
                        return
                    cluster.kill_and_restart()
                    kills.append(done[0])
            finally:
                kills_done.set()

        t0 = time.monotonic()
        threads = [threading.Thread(target=drive) for _ in range(DRIVERS)]
        for t in threads:
            t.start()
        k = threading.Thread(target=killer)
        k.start()
        for t in threads:
            t.join()
        k.join()
        flow_s = time.monotonic() - t0
        self.assertEqual(errors, [])
        self.assertEqual(len(kills), KILLS, "kills happened after %s of %d orders" % (kills, ORDERS))
        acked = list(dict.fromkeys(acked))
        self.assertEqual(len(acked), ORDERS)
        c = server.client()

        # 1. Every acknowledged order has all its events on the bus, in order (repeats by id from
        #    the at-least-once relay are allowed; consumers drop them).
        def bus_events():
            out = subprocess.run([h.BIN, "events", "tail", "--topic", "orders", "--from-beginning", "--no-follow",
                                  "--data-dir", server.data_dir], capture_output=True, text=True, timeout=120,
                                 env=h.child_env(server.data_dir))
            assert out.returncode == 0, out.stderr
            per_order = collections.defaultdict(list)
            seen = set()
            for line in out.stdout.splitlines():
                e = json.loads(line)
                if e["id"] in seen:
                    continue
                seen.add(e["id"])
                per_order[e["subject"]].append(e["type"])
            return per_order
        per_order = h.wait_for(lambda: (lambda p: p if all(p[o] == ORDER_FLOW for o in acked) else None)(
            bus_events()), timeout=60, interval=0.5, what="every order's events on the bus")
        total_events = sum(len(per_order[o]) for o in acked)

        # 2. Every notification arrived at the sinks (unique delivery ids), per order in full.
        def hook_types():
            got = collections.defaultdict(set)
            for did, body in HTTP.received("/hook/cust"):
                got[body["subject"]].add(body["type"])
            return got
        h.wait_for(lambda: all(hook_types()[o] == set(ORDER_FLOW) for o in acked), timeout=120, interval=0.5,
                   what="every webhook notification")
        hook_ids = {did for did, _ in HTTP.received("/hook/cust")}
        self.assertEqual(len(hook_ids), total_events)
        try:
            h.wait_for(lambda: len(set(SMTP.ids)) == total_events, timeout=120, interval=0.5,
                       what="every email notification")
        except AssertionError as e:
            state = db_peek.rows(server.data_dir, "SELECT kind, status, count(*), max(attempts), max(last_error) "
                                 "FROM notify_deliveries GROUP BY kind, status")
            raise AssertionError("%s: %d of %d emails arrived; deliveries by kind and status: %r" % (
                e, len(set(SMTP.ids)), total_events, state)) from None
        self.assertEqual(HTTP.bad_signatures, [])

        # 3. Exactly-once effects of each function.
        frm = started.strftime("%Y-%m-%dT%H:%M:00Z")
        to = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=2)).strftime(
            "%Y-%m-%dT%H:%M:00Z")
        rep = h.wait_for(lambda: (lambda r: r.json if r.status == 200 and r.json["totals"]["delivered"] >= ORDERS
                                  else None)(c.get("/v1/analytics/zones/%s?from=%s&to=%s" % (w.zone["id"], frm, to),
                                                   token=admin)), timeout=60, interval=0.5, what="analytics")
        self.assertEqual((rep["totals"]["placed"], rep["totals"]["delivered"], rep["totals"]["cancelled"]),
                         (ORDERS, ORDERS, 0))
        self.assertEqual(rep["totals"]["click_to_door_minutes"]["count"], ORDERS)
        ids = ",".join("'%s'" % o for o in acked)
        h.wait_for(lambda: int(db_peek.rows(server.data_dir, "SELECT count(*) FROM order_status_cache WHERE status = "
                                            "'delivered' AND order_id IN (%s)" % ids)[0][0]) == ORDERS,
                   timeout=60, interval=0.5, what="the order-status cache")
        deliveries = {k: int(n) for k, n in db_peek.rows(
            server.data_dir, "SELECT kind, count(*) FROM notify_deliveries GROUP BY kind")}
        self.assertEqual(deliveries, {"webhook": total_events, "email": total_events})
        h.wait_for(lambda: db_peek.rows(server.data_dir, "SELECT count(*) FROM notify_deliveries "
                                        "WHERE status <> 'delivered'")[0][0] == "0",
                   timeout=60, interval=0.5, what="every delivery recorded as delivered")
        processed = {k: int(n) for k, n in db_peek.rows(
            server.data_dir, "SELECT function, count(*) FROM processed_events GROUP BY function")}
        self.assertEqual(processed.get("order-status"), total_events)
        self.assertEqual(processed.get("notify"), total_events)
        self.assertEqual(processed.get("analytics"), 2 * ORDERS)  # placed and delivered

        # 4. Transport repeats: only deliveries in flight at a kill, same id (receivers dedupe).
        repeats = sum(n - 1 for n in HTTP.duplicates().values()) + sum(n - 1 for n in SMTP.duplicates().values())
        self.assertLessEqual(repeats, KILLS * SENDERS)

        # 5. Nothing in a dead-letter topic.
        for fn in ("notify", "order-status", "analytics"):
            out = subprocess.run([h.BIN, "events", "tail", "--topic", "dlq." + fn, "--from-beginning", "--no-follow",
                                  "--data-dir", server.data_dir], capture_output=True, text=True, timeout=60,
                                 env=h.child_env(server.data_dir))
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stdout, "", "dead letters of " + fn)
        print("\ncrash test: %d orders, %d events, kills after %s orders done, flow %.1f s, "
              "transport repeats %d (same delivery id)" % (ORDERS, total_events, kills, flow_s, repeats),
              file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
