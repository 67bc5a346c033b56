"""The live dispatcher (dispatch.mode = optimised, the default): the dispatch engine plans every
epoch, riders receive offers over the WebSocket (or GET /v1/offers), accept or decline them within
the offer timeout; declined and expired offers are re-planned; admins read the plan."""

import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@test.hotpath.dev"
OFFER_TIMEOUT_S = 2
ARGS = ["--dispatch-epoch-ms", "200", "--offer-timeout-s", str(OFFER_TIMEOUT_S), "--decline-cooldown-s", "60"]


def setUpModule():
    global SERVER, C, ADMIN
    SERVER, C, ADMIN = h.start_with_admin(ADMIN_EMAIL, ARGS)


def tearDownModule():
    SERVER.cleanup()


def ws(token):
    s = h.WebSocket("127.0.0.1", SERVER.port, "/v1/ws?access_token=" + token)
    assert s.status == 101, s.status
    return s


def offers(token):
    r = C.get("/v1/offers", token=token)
    assert r.status == 200, r
    return r.json["items"]


def wait_offer(token, order_id, timeout=10):
    return h.wait_for(lambda: next((o for o in offers(token) if order_id in o["order_ids"]), None), timeout,
                      what="an offer of " + order_id)


def accepted_order(w, prep_minutes=1):
    """An order the restaurant accepted, ready within the riders' drive: the engine commits it now."""
    oid = w.place_ok()["id"]
    r = w.act(oid, "accept", w.staff_token, {"prep_minutes": prep_minutes})
    assert r.status == 200, r
    return oid


class Offers(unittest.TestCase):
    def test_offer_over_websocket_to_the_nearest_rider_then_accept(self):
        w = h.World(C, ADMIN, riders=2)  # riders 1.1 km and 2.2 km from the restaurant
        (near_tok, near, _), (far_tok, _, _) = w.riders
        s = ws(near_tok)
        try:
            oid = accepted_order(w)
            msg = s.recv_json()
            self.assertEqual(msg["type"], "offer", msg)
            offer = msg["offer"]
            self.assertEqual(offer["order_ids"], [oid])
            self.assertEqual(offer["rider_id"], near["id"])
            self.assertEqual(offer["status"], "pending")
            self.assertEqual(offer["restaurant_id"], w.rid)
            self.assertTrue(offer["reason"])
            self.assertLess(offer["created_at"], offer["expires_at"])
            # An offer is not an assignment; the other rider sees nothing.
            self.assertIsNone(w.get(oid).json["rider_id"])
            self.assertEqual([o["id"] for o in offers(near_tok)], [offer["id"]])
            self.assertEqual(offers(far_tok), [])
            plan = C.get("/v1/dispatch/plan?zone=" + w.zone["id"], token=ADMIN)
            self.assertEqual(plan.status, 200, plan)
            self.assertEqual(plan.json["mode"], "optimised")
            self.assertIn(offer["id"], [o["id"] for o in plan.json["pending_offers"]])

            s.send_json({"type": "accept_offer", "offer_id": offer["id"]})
            reply = s.recv_json()
            self.assertEqual(reply["type"], "offer_accepted", reply)
            self.assertEqual(reply["offer"]["status"], "accepted")
            o = w.get(oid).json
            self.assertEqual(o["rider_id"], near["id"])
            self.assertEqual(C.get("/v1/riders/me", token=near_tok).json["status"], "busy")
            assigned = [json.loads(e["data"]) for e in self.events(oid) if e["event"] == "order.rider_assigned"]
            self.assertEqual(len(assigned), 1)
            self.assertEqual(assigned[0]["data"]["rider_id"], near["id"])
            self.assertEqual(assigned[0]["data"]["offer_id"], offer["id"])
            # The same offer cannot be taken twice.
            again = C.post("/v1/offers/%s/accept" % offer["id"], token=near_tok)
            self.assertEqual(again.status, 409, again)
            self.assertEqual(again.json["offer_status"], "accepted")
        finally:
            s.close()
        self.assertEqual(w.act(oid, "ready", w.staff_token).status, 200)
        self.assertEqual(w.act(oid, "pickup", near_tok).status, 200)
        self.assertEqual(w.act(oid, "deliver", near_tok).status, 200)
        self.assertEqual(C.get("/v1/riders/me", token=near_tok).json["status"], "available")
        hist = [e["status"] for e in w.get(oid).json["history"]]
        self.assertEqual(hist, ["placed", "accepted", "ready", "picked_up", "delivered"])

    def events(self, oid):
        stream = h.SseStream("127.0.0.1", SERVER.port, "/v1/orders/%s/events" % oid, ADMIN)
        try:
            out = []
            while True:
                ev = stream.next_event()
                out.append(ev)
                if ev["event"] == "order.rider_assigned":
                    return out
        finally:
            stream.close()

    def test_declined_offer_goes_to_another_rider_over_http(self):
        w = h.World(C, ADMIN, riders=2)
        (near_tok, near, _), (far_tok, far, _) = w.riders
        oid = accepted_order(w)
        first = wait_offer(near_tok, oid)
        self.assertEqual(first["rider_id"], near["id"])
        # Only the offered rider may answer.
        self.assertEqual(C.post("/v1/offers/%s/accept" % first["id"], token=far_tok).status, 403)
        self.assertEqual(C.post("/v1/offers/%s/accept" % first["id"], token=w.customer_token).status, 403)
        bad = C.post("/v1/offers/%s/decline" % first["id"], {"reason": 7}, token=near_tok)
        self.assertEqual(bad.status, 400, bad)
        self.assertEqual(h.problem_fields(bad), {"reason"})
        d = C.post("/v1/offers/%s/decline" % first["id"], {"reason": "flat tyre"}, token=near_tok)
        self.assertEqual(d.status, 200, d)
        self.assertEqual(d.json["offer"]["status"], "declined")
        second = wait_offer(far_tok, oid)
        self.assertEqual(second["rider_id"], far["id"])
        self.assertEqual(offers(near_tok), [], "a rider who declined gets no offer during the cooldown")
        late = C.post("/v1/offers/%s/accept" % first["id"], token=near_tok)
        self.assertEqual(late.status, 409, late)
        self.assertEqual(late.json["offer_status"], "declined")
        a = C.post("/v1/offers/%s/accept" % second["id"], token=far_tok)
        self.assertEqual(a.status, 200, a)
        self.assertEqual([o["id"] for o in a.json["orders"]], [oid])
        self.assertEqual(a.json["orders"][0]["rider_id"], far["id"])
        self.assertEqual(w.get(oid).json["rider_id"], far["id"])

    def test_expired_offer_is_replanned(self):
        w = h.World(C, ADMIN, riders=2)
        (near_tok, near, _), (far_tok, far, _) = w.riders
        s = ws(near_tok)
        try:
            oid = accepted_order(w)
            offer = s.recv_json()["offer"]
            self.assertEqual(offer["rider_id"], near["id"])
            # Nobody answers: after the timeout the rider is told and the order goes elsewhere.
            msg = s.recv_json()
            self.assertEqual(msg["type"], "offer_expired", msg)
            self.assertEqual(msg["offer"]["id"], offer["id"])
            self.assertEqual(msg["offer"]["status"], "expired")
        finally:
            s.close()
        second = wait_offer(far_tok, oid)
        self.assertEqual(second["rider_id"], far["id"])
        late = C.post("/v1/offers/%s/accept" % offer["id"], token=near_tok)
        self.assertEqual(late.status, 409, late)
        self.assertEqual(late.json["offer_status"], "expired")
        self.assertIsNone(w.get(oid).json["rider_id"])

    def test_offer_of_a_cancelled_order_is_withdrawn_on_accept(self):
        w = h.World(C, ADMIN, riders=1)
        rtok, rider, _ = w.riders[0]
        oid = accepted_order(w)
        offer = wait_offer(rtok, oid)
        self.assertEqual(w.act(oid, "cancel", w.staff_token, {"reason": "out of buns"}).status, 200)
        r = C.post("/v1/offers/%s/accept" % offer["id"], token=rtok)
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json["offer_status"], "withdrawn")
        self.assertIn(oid, r.json["detail"])
        self.assertEqual(C.get("/v1/riders/me", token=rtok).json["status"], "available")
        self.assertIsNone(w.get(oid).json["rider_id"])

    def test_websocket_offer_messages_are_validated(self):
        w = h.World(C, ADMIN, riders=1)
        rtok, _, _ = w.riders[0]
        s = ws(rtok)
        try:
            s.send_json({"type": "accept_offer"})
            err = s.recv_json()
            self.assertEqual(err["type"], "error")
            self.assertEqual(err["error"]["status"], 400)
            self.assertEqual({e["field"] for e in err["error"]["errors"]}, {"offer_id"})
            s.send_json({"type": "decline_offer", "offer_id": "off_nope"})
            err = s.recv_json()
            self.assertEqual(err["error"]["status"], 404)
        finally:
            s.close()
        cs = ws(w.customer_token)
        try:
            cs.send_json({"type": "accept_offer", "offer_id": "off_nope"})
            self.assertEqual(cs.recv_json()["error"]["status"], 403)
        finally:
            cs.close()


class Plan(unittest.TestCase):
    def test_postponed_orders_are_in_the_plan_with_reasons(self):
        w = h.World(C, ADMIN, riders=1)
        rtok, rider, _ = w.riders[0]
        oid = accepted_order(w, prep_minutes=30)  # far from ready: no reason to send the rider yet

        def planned():
            p = C.get("/v1/dispatch/plan?zone=" + w.zone["id"], token=ADMIN).json
            return p if oid in [x["order_id"] for x in p["postponed"]] else None
        plan = h.wait_for(planned, 10, what="the order in the plan")
        self.assertEqual(plan["zone_id"], w.zone["id"])
        self.assertEqual(plan["waiting_orders"], 1)
        self.assertEqual(plan["idle_riders"], 1)
        self.assertEqual(plan["committed"], [])
        self.assertTrue(all(x["reason"] for x in plan["postponed"]))
        self.assertEqual([t["order_ids"] for t in plan["tentative"]], [[oid]])
        self.assertEqual(plan["tentative"][0]["rider_id"], rider["id"])
        self.assertEqual(offers(rtok), [])
        # Marked ready, it is offered at once.
        self.assertEqual(w.act(oid, "ready", w.staff_token).status, 200)
        wait_offer(rtok, oid)

    def test_plan_requests_are_checked(self):
        w = h.World(C, ADMIN)
        self.assertEqual(C.get("/v1/dispatch/plan", token=ADMIN).status, 400)
        missing = C.get("/v1/dispatch/plan?zone=", token=ADMIN)
        self.assertEqual(missing.status, 400)
        self.assertEqual(h.problem_fields(missing), {"zone"})
        self.assertEqual(C.get("/v1/dispatch/plan?zone=zone_nope", token=ADMIN).status, 404)
        self.assertEqual(C.get("/v1/dispatch/plan?zone=" + w.zone["id"], token=w.customer_token).status, 403)
        self.assertEqual(C.get("/v1/dispatch/plan?zone=" + w.zone["id"]).status, 401)
        empty = C.get("/v1/dispatch/plan?zone=" + w.zone["id"], token=ADMIN).json
        self.assertEqual((empty["committed"], empty["tentative"], empty["pending_offers"]), ([], [], []))

    def test_epochs_are_measured(self):
        def count():
            m = re.search(r"^hotpath_dispatch_epoch_seconds_count (\d+)", C.get("/metrics").text, re.M)
            return int(m.group(1)) if m else 0
        first = count()
        h.wait_for(lambda: count() > first, 10, what="another epoch")


class NearestMode(unittest.TestCase):
    def test_nearest_mode_has_no_offers(self):
        server, client, admin = h.start_with_admin("nearest@test.hotpath.dev", h.NEAREST)
        try:
            w = h.World(client, admin, riders=1)
            rtok, rider, _ = w.riders[0]
            oid = w.place_ok()["id"]
            self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 30}).status, 200)
            self.assertEqual(w.wait_rider(oid)["rider_id"], rider["id"])
            self.assertEqual(client.get("/v1/offers", token=rtok).json["items"], [])
            self.assertEqual(client.post("/v1/offers/off_x/accept", token=rtok).status, 404)
            plan = client.get("/v1/dispatch/plan?zone=" + w.zone["id"], token=admin)
            self.assertEqual(plan.status, 200)
            self.assertEqual(plan.json["mode"], "nearest")
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
