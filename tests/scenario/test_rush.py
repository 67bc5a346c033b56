"""Dinner rush: 500 orders driven concurrently through the demo city over real HTTP.

Customers place orders at the 20 demo restaurants from 32 threads; a fixed seed decides each
order's fate: delivered (staff accept and mark ready, the assigned rider picks up and delivers),
cancelled by the customer before acceptance, rejected by the restaurant, or declined at payment
(402, no order). Some orders are retried with the same Idempotency-Key. Riders run the rider app's
part over the WebSocket: they accept every offer the live dispatcher (the default, optimised mode)
sends them, then the order's thread has its rider pick up and deliver. Afterwards every order
must be in exactly one final state with the matching payment and a complete, ordered history, the
declines must have left no orders, and every rider must be available again.
"""

import collections
import concurrent.futures
import datetime
import os
import random
import re
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

SEED = 20261125
ORDERS = 500
THREADS = 32
CUSTOMERS = 20
KINDS = (("deliver", 0.70), ("cancel", 0.10), ("reject", 0.10), ("decline", 0.10))
FINAL = {"deliver": "delivered", "cancel": "cancelled", "reject": "rejected"}
PAYMENT = {"delivered": "captured", "cancelled": "voided", "rejected": "voided"}
HISTORY = {"deliver": ["placed", "accepted", "ready", "picked_up", "delivered"],
           "cancel": ["placed", "cancelled"],
           "reject": ["placed", "rejected"]}


def parse_at(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


class Rush(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        t0 = time.monotonic()
        cls.server = h.Server(demo=True).start()
        print("\nrush: demo city seeded and serving in %.1f s" % (time.monotonic() - t0), file=sys.stderr)
        cls.c = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def parallel(self, fn, args, workers=THREADS):
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            return list(pool.map(fn, args))

    def test_rush_of_500_orders(self):
        started = time.monotonic()
        c = self.c
        admin, _ = h.login(c, h.DEMO_ADMIN, h.DEMO_PASSWORD)

        page = c.get("/v1/restaurants?lat=40.70&lon=-73.98&radius_m=20000&limit=100")
        self.assertEqual(page.status, 200, page)
        restaurants = page.json["items"]
        self.assertEqual(len(restaurants), 20)
        menus = {}
        for r in restaurants:
            m = c.get("/v1/restaurants/%s/menu" % r["id"])
            self.assertEqual(m.status, 200, m)
            menus[r["id"]] = [i for i in m.json["items"] if i["available"]]
            self.assertTrue(menus[r["id"]])

        # Accounts: staff of every restaurant, every rider, and fresh customers (argon2: in parallel).
        staff_sessions = self.parallel(lambda n: h.login(c, "staff%02d@demo.hotpath.dev" % n, h.DEMO_PASSWORD),
                                       range(1, 21), workers=4)
        staff = {user["restaurant_id"]: tok for tok, user in staff_sessions}
        staff_ids = {user["restaurant_id"]: user["id"] for _, user in staff_sessions}
        self.assertEqual(set(staff), {r["id"] for r in restaurants})
        riders = dict(self.parallel(lambda n: (lambda s: (s[1]["id"], s[0]))(
            h.login(c, "rider%02d@demo.hotpath.dev" % n, h.DEMO_PASSWORD)), range(1, 31), workers=4))
        self.assertEqual(len(riders), 30)
        customers = self.parallel(lambda n: h.signup(c, email=h.unique_email("rush%d-" % n)), range(CUSTOMERS),
                                  workers=4)

        # The rider apps: one WebSocket each, every offer accepted as it arrives.
        rider_problems = []
        accepted = collections.Counter()

        def rider_app(sock, rider_id):
            try:
                while True:
                    msg = sock.recv_json()
                    if msg["type"] == "offer":
                        if msg["offer"]["rider_id"] != rider_id:
                            rider_problems.append("%s got %r" % (rider_id, msg))
                        sock.send_json({"type": "accept_offer", "offer_id": msg["offer"]["id"]})
                    elif msg["type"] == "offer_accepted":
                        accepted[rider_id] += len(msg["offer"]["order_ids"])
                    else:
                        rider_problems.append("%s got %r" % (rider_id, msg))
            except (EOFError, OSError):
                return  # closed at the end of the test

        apps = []
        for rider_id, rtok in riders.items():
            sock = h.WebSocket("127.0.0.1", self.server.port, "/v1/ws?access_token=" + rtok)
            self.assertEqual(sock.status, 101)
            thread = threading.Thread(target=rider_app, args=(sock, rider_id), daemon=True)
            thread.start()
            apps.append((sock, thread))

        accounts_ready = time.monotonic()
        # The plan is fixed by the seed before any thread runs.
        rng = random.Random(SEED)
        plan = []
        for n in range(ORDERS):
            kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
            r = rng.choice(restaurants)
            items = rng.sample(menus[r["id"]], rng.randint(1, 3))
            body = {"restaurant_id": r["id"],
                    "items": [{"item_id": i["id"], "quantity": rng.randint(1, 4)} for i in items],
                    "delivery": {"lat": r["location"]["lat"] + rng.uniform(-0.01, 0.01),
                                 "lon": r["location"]["lon"] + rng.uniform(-0.01, 0.01),
                                 "address": "%d Rush Avenue" % n},
                    "payment_method": "tok_declined" if kind == "decline" else "tok_visa"}
            plan.append({"n": n, "kind": kind, "customer": rng.randrange(CUSTOMERS), "body": body,
                         "key": "rush-%d-%s" % (n, h.unique()), "retry": rng.random() < 0.05})
        counts = collections.Counter(p["kind"] for p in plan)
        for kind, _ in KINDS:
            self.assertGreater(counts[kind], 20, counts)

        problems = []
        lock = threading.Lock()

        def fail(p, what):
            with lock:
                problems.append("order #%d (%s): %s" % (p["n"], p["kind"], what))

        def expect(p, resp, status, what):
            if resp.status != status:
                fail(p, "%s: expected %d, got %r" % (what, status, resp))
                return False
            return True

        def drive(p):
            ctok = customers[p["customer"]][0]
            hdr = {"Idempotency-Key": p["key"]}
            r = c.post("/v1/orders", p["body"], token=ctok, headers=hdr)
            if p["kind"] == "decline":
                if expect(p, r, 402, "declined payment") and "id" in r.json:
                    fail(p, "a declined payment returned an order id")
                return None
            if not expect(p, r, 201, "place"):
                return None
            order = r.json
            oid = order["id"]
            if order["status"] != "placed" or order["payment"]["status"] != "authorized":
                fail(p, "placed order looks wrong: %r" % order)
            if p["retry"]:
                again = c.post("/v1/orders", p["body"], token=ctok, headers=hdr)
                if expect(p, again, 201, "idempotent retry") and again.json["id"] != oid:
                    fail(p, "retry with the same key made a second order %s" % again.json["id"])
            stok = staff[p["body"]["restaurant_id"]]
            if p["kind"] == "cancel":
                expect(p, c.post("/v1/orders/%s/cancel" % oid, {"reason": "changed my mind"}, token=ctok), 200,
                       "cancel")
                return oid
            if p["kind"] == "reject":
                expect(p, c.post("/v1/orders/%s/reject" % oid, {"reason": "too busy"}, token=stok), 200, "reject")
                return oid
            if not expect(p, c.post("/v1/orders/%s/accept" % oid, {"prep_minutes": 10}, token=stok), 200, "accept"):
                return oid
            if not expect(p, c.post("/v1/orders/%s/ready" % oid, token=stok), 200, "ready"):
                return oid
            deadline = time.monotonic() + 60
            rider = None
            while time.monotonic() < deadline:
                g = c.get("/v1/orders/" + oid, token=ctok)
                if g.status != 200:
                    fail(p, "poll: %r" % g)
                    return oid
                rider = g.json["rider_id"]
                if rider:
                    break
                time.sleep(0.02)
            if not rider:
                fail(p, "no rider assigned within 60 s")
                return oid
            rtok = riders.get(rider)
            if rtok is None:
                fail(p, "assigned rider %s is not a demo rider" % rider)
                return oid
            if expect(p, c.post("/v1/orders/%s/pickup" % oid, token=rtok), 200, "pickup"):
                expect(p, c.post("/v1/orders/%s/deliver" % oid, token=rtok), 200, "deliver")
            return oid

        ids = self.parallel(drive, plan)
        driven = time.monotonic()
        for sock, thread in apps:
            sock.sock.shutdown(socket.SHUT_RDWR)
            thread.join(10)
            sock.sock.close()
        self.assertEqual(problems, [], "\n".join(problems[:20]))
        self.assertEqual(rider_problems, [], "\n".join(rider_problems[:20]))
        self.assertEqual(sum(accepted.values()), counts["deliver"], "every delivered order came through an offer")

        placed = [(p, oid) for p, oid in zip(plan, ids) if oid]
        self.assertEqual(len(placed), ORDERS - counts["decline"])
        self.assertEqual(len({oid for _, oid in placed}), len(placed), "every order has its own id")

        def check(item):
            p, oid = item
            o = c.get("/v1/orders/" + oid, token=admin)
            if o.status != 200:
                return "order %s: %r" % (oid, o)
            o = o.json
            want = FINAL[p["kind"]]
            errs = []
            if o["status"] != want:
                errs.append("status %s, expected %s" % (o["status"], want))
            if o["payment"].get("status") != PAYMENT[want]:
                errs.append("payment %s with status %s" % (o["payment"].get("status"), o["status"]))
            if o["payment"].get("amount") != o["total"]:
                errs.append("payment amount %r != total %r" % (o["payment"].get("amount"), o["total"]))
            hist = [e["status"] for e in o["history"]]
            if hist != HISTORY[p["kind"]]:
                errs.append("history %s" % hist)
            ats = [parse_at(e["at"]) for e in o["history"]]
            if ats != sorted(ats):
                errs.append("history timestamps go back in time: %s" % [e["at"] for e in o["history"]])
            if p["kind"] == "deliver" and not o["rider_id"]:
                errs.append("delivered without a rider")
            cust = "customer:" + customers[p["customer"]][1]["id"]
            rest = "restaurant:" + staff_ids[p["body"]["restaurant_id"]]
            rider = "rider:%s" % o["rider_id"]
            want_actors = {"deliver": [cust, rest, rest, rider, rider], "cancel": [cust, cust],
                           "reject": [cust, rest]}[p["kind"]]
            actors = [e["actor"] for e in o["history"]]
            if actors != want_actors:
                errs.append("actors %s, expected %s" % (actors, want_actors))
            return ("order %s: %s" % (oid, "; ".join(errs))) if errs else None

        errors = [e for e in self.parallel(check, placed) if e]
        self.assertEqual(errors, [], "\n".join(errors[:20]))

        # Riders: all back to available, still online.
        statuses = self.parallel(lambda tok: c.get("/v1/riders/me", token=tok).json["status"], list(riders.values()),
                                 workers=8)
        self.assertEqual(collections.Counter(statuses), {"available": 30})

        # Declines created no orders: the server counted exactly as many placements as we got 201s.
        metrics = c.get("/metrics").text
        def counted(status):
            m = re.search(r'^hotpath_orders_total\{status="%s"\} (\d+(?:\.\d+)?)' % status, metrics, re.M)
            return int(float(m.group(1))) if m else 0
        self.assertEqual(counted("placed"), len(placed))
        self.assertEqual(counted("delivered"), counts["deliver"])
        self.assertEqual(counted("cancelled"), counts["cancel"])
        self.assertEqual(counted("rejected"), counts["reject"])

        elapsed = time.monotonic() - started
        print("rush: accounts in %.1f s; %d orders (%s) driven in %.1f s; checked in %.1f s"
              % (accounts_ready - started, ORDERS, dict(counts), driven - accounts_ready, elapsed - (driven - started)),
              file=sys.stderr)
        # Accounts cost an Argon2 hash each and take as long as the machine's load makes them; the
        # orders themselves are the platform's business.
        self.assertLess(driven - accounts_ready, 60, "500 orders must flow through in well under a minute")


if __name__ == "__main__":
    unittest.main()
