"""Following an order live: Server-Sent Events (with Last-Event-ID resume) and the WebSocket."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@test.hotpath.dev"
LIFECYCLE = ["order.placed", "order.accepted", "order.rider_assigned", "order.ready", "order.picked_up",
             "order.delivered"]


def setUpModule():
    global SERVER, C, ADMIN
    SERVER, C, ADMIN = h.start_with_admin(ADMIN_EMAIL, h.NEAREST)  # assignment on acceptance


def tearDownModule():
    SERVER.cleanup()


def sse(oid, token, last_event_id=None):
    return h.SseStream("127.0.0.1", SERVER.port, "/v1/orders/%s/events" % oid, token, last_event_id)


class ServerSentEvents(unittest.TestCase):
    def check_event(self, ev, oid, type_):
        self.assertEqual(ev["event"], type_, ev)
        data = json.loads(ev["data"])
        self.assertEqual(data["type"], type_)
        self.assertEqual(data["subject"], oid)
        self.assertEqual(data["data"]["order_id"], oid)
        return data

    def test_follow_an_order_then_resume_with_last_event_id(self):
        w = h.World(C, ADMIN, riders=1)
        rtok, rider, _ = w.riders[0]
        oid = w.place_ok()["id"]
        s = sse(oid, w.customer_token)
        self.addCleanup(s.close)
        self.assertEqual(s.status, 200)
        self.assertTrue(s.headers["content-type"].startswith("text/event-stream"), s.headers)
        events = [s.next_event()]  # replayed: it happened before we connected
        self.check_event(events[0], oid, "order.placed")

        self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 7}).status, 200)
        events.append(s.next_event())
        data = self.check_event(events[-1], oid, "order.accepted")
        self.assertEqual(data["data"]["status"], "accepted")
        self.assertEqual(data["data"]["prep_minutes"], 7)
        events.append(s.next_event())  # the assigner runs by itself; the stream tells us
        data = self.check_event(events[-1], oid, "order.rider_assigned")
        self.assertEqual(data["data"]["rider_id"], rider["id"])
        self.assertEqual(w.act(oid, "ready", w.staff_token).status, 200)
        events.append(s.next_event())
        self.assertEqual(w.act(oid, "pickup", rtok).status, 200)
        events.append(s.next_event())
        self.assertEqual(w.act(oid, "deliver", rtok).status, 200)
        events.append(s.next_event())
        self.assertEqual([e["event"] for e in events], LIFECYCLE)
        ids = [int(e["id"]) for e in events]
        self.assertEqual(ids, sorted(set(ids)), "ids strictly increase")
        statuses = [json.loads(e["data"])["data"]["status"] for e in events]
        self.assertEqual(statuses, ["placed", "accepted", "accepted", "ready", "picked_up", "delivered"])
        s.close()

        # Reconnect after the accept: exactly the later events, same ids, no gaps, no repeats.
        s2 = sse(oid, w.customer_token, last_event_id=events[1]["id"])
        self.addCleanup(s2.close)
        self.assertEqual(s2.status, 200)
        resumed = [s2.next_event() for _ in range(4)]
        self.assertEqual([(e["id"], e["event"]) for e in resumed], [(e["id"], e["event"]) for e in events[2:]])
        # the next thing on the stream is new, not a repeat
        self.assertEqual(C.post("/v1/orders/%s/refund" % oid, token=ADMIN).status, 200)
        nxt = s2.next_event()
        self.assertEqual(nxt["event"], "order.refunded")
        self.assertGreater(int(nxt["id"]), int(events[-1]["id"]))

        # a resume from the last id of a finished order replays nothing old
        s3 = sse(oid, w.customer_token, last_event_id=nxt["id"])
        self.addCleanup(s3.close)
        self.assertEqual(s3.status, 200)

    def test_restaurant_and_rider_follow_too(self):
        w = h.World(C, ADMIN, riders=1)
        oid = w.place_ok()["id"]
        s = sse(oid, w.staff_token)
        self.addCleanup(s.close)
        self.assertEqual(s.status, 200)
        self.assertEqual(s.next_event()["event"], "order.placed")
        # a rider sees the order's stream once it is theirs
        self.assertEqual(sse(oid, w.riders[0][0]).status, 403)
        self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
        self.assertEqual(s.next_event()["event"], "order.accepted")
        self.assertEqual(s.next_event()["event"], "order.rider_assigned")
        r = sse(oid, w.riders[0][0])
        self.addCleanup(r.close)
        self.assertEqual(r.status, 200)
        self.assertEqual([r.next_event()["event"] for _ in range(3)], LIFECYCLE[:3])

    def test_refusals(self):
        w = h.World(C, ADMIN)
        oid = w.place_ok()["id"]
        other, _ = h.signup(C)
        r = C.get("/v1/orders/%s/events" % oid)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(C.get("/v1/orders/%s/events" % oid, token=other).status, 403)
        self.assertEqual(C.get("/v1/orders/ord_nope/events", token=w.customer_token).status, 404)
        r = C.get("/v1/orders/%s/events" % oid, token=w.customer_token, headers={"Last-Event-ID": "abc"})
        self.assertEqual(r.status, 400, r)


class WebSockets(unittest.TestCase):
    def ws(self, token):
        s = h.WebSocket("127.0.0.1", SERVER.port, "/v1/ws?access_token=" + token)
        self.addCleanup(s.close)
        return s

    def test_subscribe_and_receive_events(self):
        w = h.World(C, ADMIN, riders=1)
        oid = w.place_ok()["id"]
        s = self.ws(w.customer_token)
        self.assertEqual(s.status, 101)
        s.send_json({"type": "subscribe", "order_id": oid})
        self.assertEqual(s.recv_json(), {"type": "subscribed", "order_id": oid})
        first = s.recv_json()
        self.assertEqual(first["type"], "event")
        self.assertEqual(first["order_id"], oid)
        self.assertEqual(first["event"]["type"], "order.placed")
        self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
        got = [first, s.recv_json(), s.recv_json()]
        self.assertEqual([g["event"]["type"] for g in got], LIFECYCLE[:3])
        ids = [g["id"] for g in got]
        self.assertEqual(ids, sorted(set(ids)))
        self.assertEqual(got[2]["event"]["data"]["rider_id"], w.riders[0][1]["id"])

        # a second subscription on a new connection resumes after a given id
        s2 = self.ws(w.customer_token)
        s2.send_json({"type": "subscribe", "order_id": oid, "last_event_id": ids[0]})
        self.assertEqual(s2.recv_json()["type"], "subscribed")
        self.assertEqual([s2.recv_json()["id"] for _ in range(2)], ids[1:])

        # unsubscribe is acknowledged
        s.send_json({"type": "unsubscribe", "order_id": oid})
        self.assertEqual(s.recv_json(), {"type": "unsubscribed", "order_id": oid})

    def test_unsubscribed_orders_stay_quiet(self):
        w = h.World(C, ADMIN)
        a, b = w.place_ok()["id"], w.place_ok()["id"]
        s = self.ws(w.customer_token)
        s.send_json({"type": "subscribe", "order_id": a})
        self.assertEqual(s.recv_json()["type"], "subscribed")
        self.assertEqual(s.recv_json()["event"]["type"], "order.placed")
        s.send_json({"type": "unsubscribe", "order_id": a})
        self.assertEqual(s.recv_json(), {"type": "unsubscribed", "order_id": a})
        s.send_json({"type": "subscribe", "order_id": b})
        self.assertEqual(s.recv_json()["type"], "subscribed")
        self.assertEqual(s.recv_json()["event"]["type"], "order.placed")
        # a changes first, then b: the next message must be b's, a is no longer followed
        self.assertEqual(w.act(a, "cancel", w.customer_token).status, 200)
        self.assertEqual(w.act(b, "reject", w.staff_token, {"reason": "closed"}).status, 200)
        msg = s.recv_json()
        self.assertEqual((msg["order_id"], msg["event"]["type"]), (b, "order.rejected"))

    def test_subscribing_to_someone_elses_order_is_an_error_message(self):
        w = h.World(C, ADMIN)
        oid = w.place_ok()["id"]
        other, _ = h.signup(C)
        s = self.ws(other)
        self.assertEqual(s.status, 101)
        s.send_json({"type": "subscribe", "order_id": oid})
        msg = s.recv_json()
        self.assertEqual(msg["type"], "error", msg)
        self.assertEqual(msg["error"]["status"], 403)
        s.send_json({"type": "subscribe", "order_id": "ord_nope"})
        msg = s.recv_json()
        self.assertEqual(msg["type"], "error")
        self.assertEqual(msg["error"]["status"], 404)
        s.send_frame(0x1, b"this is not json")
        msg = s.recv_json()
        self.assertEqual(msg["type"], "error")
        self.assertEqual(msg["error"]["status"], 400)
        s.send_json({"type": "dance", "order_id": oid})
        msg = s.recv_json()
        self.assertEqual(msg["error"]["status"], 400)
        self.assertIn("type", {e["field"] for e in msg["error"]["errors"]})
        # the connection is still good for a legitimate subscription
        mine = h.World(C, ADMIN)
        moid = mine.place_ok()["id"]
        s3 = self.ws(mine.customer_token)
        s3.send_json({"type": "subscribe", "order_id": moid})
        self.assertEqual(s3.recv_json()["type"], "subscribed")
        s3.send_json({"type": "subscribe", "order_id": moid})
        msgs = [s3.recv_json(), s3.recv_json()]  # the replayed event and the duplicate-subscription error
        self.assertIn("event", [m["type"] for m in msgs])
        err = [m for m in msgs if m["type"] == "error"]
        self.assertEqual(len(err), 1, msgs)
        self.assertEqual(err[0]["error"]["status"], 409)

    def test_handshake_needs_a_valid_token(self):
        self.assertEqual(h.WebSocket("127.0.0.1", SERVER.port, "/v1/ws").status, 401)
        self.assertEqual(h.WebSocket("127.0.0.1", SERVER.port, "/v1/ws?access_token=v1.forged.sig").status, 401)


if __name__ == "__main__":
    unittest.main()
