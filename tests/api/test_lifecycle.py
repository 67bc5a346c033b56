"""The order lifecycle over real HTTP: accept, rider assignment, ready, pickup, deliver, payments,
cancellations, rejections, refunds, illegal transitions and other people's orders."""

import concurrent.futures
import os
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


def statuses(order):
    return [e["status"] for e in order["history"]]


class Lifecycle(unittest.TestCase):
    def assertConflict(self, resp, current):
        self.assertEqual(resp.status, 409, resp)
        self.assertEqual(resp.json["current_status"], current, resp)
        self.assertTrue(resp.header("Content-Type").startswith("application/problem+json"))

    def rider_status(self, token):
        r = C.get("/v1/riders/me", token=token)
        self.assertEqual(r.status, 200, r)
        return r.json["status"]

    def test_full_lifecycle_nearest_rider_payment_captured_history_with_actors(self):
        # the second rider is nearer to the restaurant: it must get the order
        w = h.World(C, ADMIN, rider_offsets=[0.03, 0.004])
        far_tok, far, _ = w.riders[0]
        near_tok, near, _ = w.riders[1]
        placed = w.place_ok()
        oid = placed["id"]
        self.assertEqual(placed["status"], "placed")
        self.assertEqual(placed["payment"]["status"], "authorized")
        self.assertIsNone(placed["rider_id"])

        got = C.get("/v1/orders/" + oid, token=w.customer_token)
        self.assertEqual(got.status, 200, got)
        self.assertEqual(got.json["status"], "placed")

        acc = w.act(oid, "accept", w.staff_token, {"prep_minutes": 12})
        self.assertEqual(acc.status, 200, acc)
        self.assertEqual(acc.json["status"], "accepted")
        self.assertEqual(acc.json["prep_minutes"], 12)

        o = w.wait_rider(oid)
        self.assertEqual(o["rider_id"], near["id"], "the nearest online rider in the zone is assigned")
        self.assertEqual(self.rider_status(near_tok), "busy")
        self.assertEqual(self.rider_status(far_tok), "available")

        # the assigned rider can see it, the other cannot
        self.assertEqual(C.get("/v1/orders/" + oid, token=near_tok).status, 200)
        self.assertEqual(C.get("/v1/orders/" + oid, token=far_tok).status, 403)

        # pickup before ready is a state conflict
        self.assertConflict(w.act(oid, "pickup", near_tok), "accepted")
        rdy = w.act(oid, "ready", w.staff_token)
        self.assertEqual(rdy.status, 200, rdy)
        self.assertEqual(rdy.json["status"], "ready")

        self.assertEqual(w.act(oid, "pickup", far_tok).status, 403, "another rider may not pick it up")
        pk = w.act(oid, "pickup", near_tok)
        self.assertEqual(pk.status, 200, pk)
        self.assertEqual(pk.json["status"], "picked_up")
        self.assertEqual(w.act(oid, "deliver", far_tok).status, 403)
        dl = w.act(oid, "deliver", near_tok)
        self.assertEqual(dl.status, 200, dl)
        self.assertEqual(dl.json["status"], "delivered")
        self.assertEqual(dl.json["payment"]["status"], "captured")
        self.assertEqual(dl.json["payment"]["amount"], placed["total"])

        final = C.get("/v1/orders/" + oid, token=w.customer_token).json
        self.assertEqual(final["status"], "delivered")
        self.assertEqual(final["payment"]["status"], "captured")
        self.assertEqual(statuses(final), ["placed", "accepted", "ready", "picked_up", "delivered"])
        actors = [e["actor"] for e in final["history"]]
        self.assertEqual(actors, ["customer:" + w.customer["id"], "restaurant:" + w.staff["id"],
                                  "restaurant:" + w.staff["id"], "rider:" + near["id"], "rider:" + near["id"]])
        ats = [e["at"] for e in final["history"]]
        self.assertEqual(ats, sorted(ats))
        self.assertEqual(self.rider_status(near_tok), "available", "a rider is free again after delivering")
        # a delivered order is final
        self.assertConflict(w.act(oid, "cancel", ADMIN), "delivered")
        # after delivery the rider no longer... still sees their delivery
        self.assertEqual(C.get("/v1/orders/" + oid, token=near_tok).status, 200)

    def test_illegal_transitions_are_409_with_current_status(self):
        w = h.World(C, ADMIN)
        oid = w.place_ok()["id"]
        self.assertConflict(w.act(oid, "ready", w.staff_token), "placed")
        self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 10}).status, 200)
        self.assertConflict(w.act(oid, "accept", w.staff_token, {"prep_minutes": 10}), "accepted")
        self.assertConflict(w.act(oid, "reject", w.staff_token, {"reason": "too late"}), "accepted")
        # a customer may cancel only before acceptance
        self.assertConflict(w.act(oid, "cancel", w.customer_token), "accepted")
        # nothing changed
        o = w.get(oid).json
        self.assertEqual(o["status"], "accepted")
        self.assertEqual(statuses(o), ["placed", "accepted"])
        self.assertEqual(o["payment"]["status"], "authorized")

    def test_actions_of_the_wrong_party_are_403(self):
        w = h.World(C, ADMIN)
        oid = w.place_ok()["id"]
        # a customer cannot accept their own order; a restaurant cannot deliver
        self.assertEqual(w.act(oid, "accept", w.customer_token, {"prep_minutes": 5}).status, 403)
        self.assertEqual(w.act(oid, "deliver", w.staff_token).status, 403)
        other = h.World(C, ADMIN)
        # staff of another restaurant
        self.assertEqual(w.act(oid, "accept", other.staff_token, {"prep_minutes": 5}).status, 403)
        self.assertEqual(C.get("/v1/orders/" + oid, token=other.staff_token).status, 403)
        # another customer
        self.assertEqual(C.get("/v1/orders/" + oid, token=other.customer_token).status, 403)
        self.assertEqual(w.act(oid, "cancel", other.customer_token).status, 403)
        self.assertEqual(C.get("/v1/orders/%s/events" % oid, token=other.customer_token).status, 403)
        self.assertEqual(w.get(oid).json["status"], "placed")

    def test_accept_validates_prep_minutes(self):
        w = h.World(C, ADMIN)
        oid = w.place_ok()["id"]
        for body in (None, {}, {"prep_minutes": 0}, {"prep_minutes": 181}, {"prep_minutes": "10"},
                     {"prep_minutes": 10, "extra": 1}):
            r = w.act(oid, "accept", w.staff_token, body)
            self.assertEqual(r.status, 400, (body, r))
        self.assertEqual(w.get(oid).json["status"], "placed")

    def test_customer_cancel_before_accept_voids_payment(self):
        w = h.World(C, ADMIN)
        oid = w.place_ok()["id"]
        r = w.act(oid, "cancel", w.customer_token, {"reason": "changed my mind"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "cancelled")
        self.assertEqual(r.json["payment"]["status"], "voided")
        o = w.get(oid, token=w.customer_token).json
        self.assertEqual(statuses(o), ["placed", "cancelled"])
        self.assertEqual(o["history"][-1]["actor"], "customer:" + w.customer["id"])
        self.assertEqual(o["history"][-1]["reason"], "changed my mind")
        self.assertConflict(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}), "cancelled")
        self.assertEqual(w.get(oid).json["payment"]["status"], "voided")

    def test_restaurant_reject_voids_payment(self):
        w = h.World(C, ADMIN)
        oid = w.place_ok()["id"]
        r = w.act(oid, "reject", w.staff_token, {})
        self.assertEqual(r.status, 400, "a rejection needs a reason")
        self.assertIn("reason", {e["field"] for e in r.json["errors"]})
        r = w.act(oid, "reject", w.staff_token, {"reason": "out of buns"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "rejected")
        self.assertEqual(r.json["payment"]["status"], "voided")
        o = w.get(oid).json
        self.assertEqual(statuses(o), ["placed", "rejected"])
        self.assertEqual(o["history"][-1]["reason"], "out of buns")
        self.assertEqual(o["history"][-1]["actor"], "restaurant:" + w.staff["id"])

    def test_restaurant_cancel_after_assignment_frees_rider_and_voids(self):
        w = h.World(C, ADMIN, riders=1)
        rtok, rider, _ = w.riders[0]
        oid = w.place_ok()["id"]
        self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
        self.assertEqual(w.wait_rider(oid)["rider_id"], rider["id"])
        self.assertEqual(self.rider_status(rtok), "busy")
        r = w.act(oid, "cancel", w.staff_token, {"reason": "kitchen fire"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "cancelled")
        self.assertEqual(r.json["payment"]["status"], "voided")
        self.assertEqual(self.rider_status(rtok), "available")
        # the freed rider takes the next order
        oid2 = w.place_ok()["id"]
        self.assertEqual(w.act(oid2, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
        self.assertEqual(w.wait_rider(oid2)["rider_id"], rider["id"])

    def test_order_waits_for_a_rider_to_come_online(self):
        w = h.World(C, ADMIN)
        oid = w.place_ok()["id"]
        self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
        self.assertIsNone(w.get(oid).json["rider_id"])
        tok, rider = h.create_user(C, ADMIN, "rider")
        self.assertEqual(C.post("/v1/riders/me/online", {"lat": w.location["lat"], "lon": w.location["lon"]},
                                token=tok).status, 200)
        self.assertEqual(w.wait_rider(oid)["rider_id"], rider["id"])

    def test_admin_refund_after_delivery(self):
        w = h.World(C, ADMIN, riders=1)
        rtok = w.riders[0][0]
        oid = w.place_ok()["id"]
        r = C.post("/v1/orders/%s/refund" % oid, token=ADMIN)
        self.assertConflict(r, "placed")
        self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
        w.wait_rider(oid)
        self.assertEqual(w.act(oid, "ready", w.staff_token).status, 200)
        self.assertEqual(w.act(oid, "pickup", rtok).status, 200)
        self.assertEqual(w.act(oid, "deliver", rtok).status, 200)
        self.assertEqual(C.post("/v1/orders/%s/refund" % oid, token=w.staff_token).status, 403)
        self.assertEqual(C.post("/v1/orders/%s/refund" % oid, token=w.customer_token).status, 403)
        r = C.post("/v1/orders/%s/refund" % oid, token=ADMIN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "delivered")
        self.assertEqual(r.json["payment"]["status"], "refunded")
        self.assertEqual(w.get(oid, token=w.customer_token).json["payment"]["status"], "refunded")
        again = C.post("/v1/orders/%s/refund" % oid, token=ADMIN)
        self.assertEqual(again.status, 409, "an order is refunded once: %r" % again)
        self.assertEqual(C.post("/v1/orders/ord_doesnotexist/refund", token=ADMIN).status, 404)

    def test_concurrent_transitions_never_both_win(self):
        w = h.World(C, ADMIN)
        oids = [w.place_ok()["id"] for _ in range(12)]
        attempts = [("accept", w.staff_token, {"prep_minutes": 5}, "accepted", "authorized"),
                    ("reject", w.staff_token, {"reason": "busy"}, "rejected", "voided"),
                    ("cancel", w.customer_token, {"reason": "hungry no more"}, "cancelled", "voided"),
                    ("reject", ADMIN, {"reason": "closing early"}, "rejected", "voided")]
        # each of these is allowed only from "placed": exactly one may win
        barrier = threading.Barrier(len(attempts))

        def attempt(oid, a):
            barrier.wait()
            return w.act(oid, a[0], a[1], a[2])

        for oid in oids:
            with concurrent.futures.ThreadPoolExecutor(len(attempts)) as pool:
                results = list(pool.map(lambda a: attempt(oid, a), attempts))
            winners = [(a, r) for a, r in zip(attempts, results) if r.status == 200]
            self.assertEqual(len(winners), 1, [r for r in results])
            for r in results:
                self.assertIn(r.status, (200, 409), r)
            (_, _, _, status, payment), _ = winners[0]
            o = w.get(oid).json
            self.assertEqual(o["status"], status)
            self.assertEqual(o["payment"]["status"], payment)
            self.assertEqual(statuses(o), ["placed", status])
            self.assertEqual(o["version"], 2)

    def test_admin_cancel_after_pickup_voids_and_frees_rider(self):
        w = h.World(C, ADMIN, riders=1)
        rtok = w.riders[0][0]
        oid = w.place_ok()["id"]
        self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
        w.wait_rider(oid)
        self.assertEqual(w.act(oid, "ready", w.staff_token).status, 200)
        self.assertConflict(w.act(oid, "deliver", rtok), "ready")
        self.assertEqual(w.act(oid, "pickup", rtok).status, 200)
        self.assertConflict(w.act(oid, "cancel", w.staff_token), "picked_up")
        self.assertEqual(C.post("/v1/riders/me/offline", token=rtok).status, 409, "busy riders stay online")
        r = w.act(oid, "cancel", ADMIN, {"reason": "lost in transit"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["payment"]["status"], "voided")
        self.assertEqual(statuses(r.json), ["placed", "accepted", "ready", "picked_up", "cancelled"])
        self.assertEqual(self.rider_status(rtok), "available")

    def test_offline_riders_get_no_orders(self):
        w = h.World(C, ADMIN, rider_offsets=[0.001, 0.02])
        near_tok, near, _ = w.riders[0]
        far = w.riders[1][1]
        off = C.post("/v1/riders/me/offline", token=near_tok)
        self.assertEqual(off.status, 200, off)
        self.assertEqual(off.json["status"], "offline")
        oid = w.place_ok()["id"]
        self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
        self.assertEqual(w.wait_rider(oid)["rider_id"], far["id"])

    def test_rider_who_moves_into_the_zone_gets_its_order(self):
        a = h.World(C, ADMIN, riders=1)
        b = h.World(C, ADMIN)  # a zone with no rider
        rtok, rider, _ = a.riders[0]
        oid = b.place_ok()["id"]
        self.assertEqual(b.act(oid, "accept", b.staff_token, {"prep_minutes": 5}).status, 200)
        moved = C.post("/v1/riders/me/location", {"lat": b.location["lat"], "lon": b.location["lon"]}, token=rtok)
        self.assertEqual(moved.status, 200, moved)
        self.assertEqual(moved.json["zone_id"], b.zone["id"])
        self.assertEqual(b.wait_rider(oid)["rider_id"], rider["id"])

    def test_one_rider_two_orders_one_at_a_time(self):
        w = h.World(C, ADMIN, riders=1)
        rtok, rider, _ = w.riders[0]
        a, b = w.place_ok()["id"], w.place_ok()["id"]
        for oid in (a, b):
            self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
        first = h.wait_for(lambda: [o for o in (a, b) if w.get(o).json["rider_id"]], what="one assignment")
        self.assertEqual(len(first), 1, "one rider carries one order at a time")
        other = b if first[0] == a else a
        self.assertIsNone(w.get(other).json["rider_id"])
        for action in ("ready", "pickup", "deliver"):
            tok = w.staff_token if action == "ready" else rtok
            self.assertEqual(w.act(first[0], action, tok).status, 200)
        # delivering frees the rider, who then takes the waiting order
        self.assertEqual(w.wait_rider(other)["rider_id"], rider["id"])

    def test_unknown_order_is_404(self):
        w = h.World(C, ADMIN)
        self.assertEqual(C.get("/v1/orders/ord_doesnotexist", token=w.customer_token).status, 404)
        self.assertEqual(w.act("ord_doesnotexist", "accept", w.staff_token, {"prep_minutes": 5}).status, 404)


if __name__ == "__main__":
    unittest.main()
