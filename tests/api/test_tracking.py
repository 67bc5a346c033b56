"""Rider location ingest (HTTP batch and WebSocket), its rejections, and the live fleet queries
(nearby, zone, box) answered from the in-memory geo index."""

import datetime
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@test.hotpath.dev"


def setUpModule():
    global SERVER, C, ADMIN
    SERVER, C, ADMIN = h.start_with_admin(ADMIN_EMAIL, h.NEAREST)


def tearDownModule():
    SERVER.cleanup()


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def fix(lat, lon, at, **extra):
    f = {"lat": lat, "lon": lon, "at": iso(at)}
    f.update(extra)
    return f


class Ingest(unittest.TestCase):
    def test_batch_moves_the_rider_and_nearby_finds_it(self):
        w = h.World(C, ADMIN, riders=2)
        tok, rider, at = w.riders[0]
        t0 = now()  # after going online: that position counts as a fix at that time
        # Walk ~11 m per second towards the restaurant.
        fixes = [fix(at["lat"] - i * 0.0001, at["lon"], t0 + datetime.timedelta(seconds=i), accuracy_m=5,
                     speed_mps=11, heading_deg=180) for i in range(5)]
        r = C.post("/v1/riders/me/locations", {"fixes": fixes}, token=tok)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["accepted"], 5)
        self.assertEqual(r.json["flagged"], [])
        self.assertAlmostEqual(r.json["latest"]["lat"], at["lat"] - 0.0004, places=7)

        q = "/v1/riders/nearby?lat=%f&lon=%f&radius_m=3000&limit=5" % (w.location["lat"], w.location["lon"])
        n = C.get(q, token=ADMIN)
        self.assertEqual(n.status, 200, n)
        ids = [i["rider_id"] for i in n.json["items"]]
        self.assertEqual(ids, [rider["id"], w.riders[1][1]["id"]])  # nearest first
        first = n.json["items"][0]
        self.assertEqual(first["status"], "available")
        self.assertAlmostEqual(first["lat"], at["lat"] - 0.0004, places=7)
        self.assertLess(first["distance_m"], n.json["items"][1]["distance_m"])
        # The limit.
        self.assertEqual(len(C.get(q.replace("limit=5", "limit=1"), token=ADMIN).json["items"]), 1)

        z = C.get("/v1/zones/%s/riders" % w.zone["id"], token=ADMIN)
        self.assertEqual(z.status, 200, z)
        self.assertEqual({i["rider_id"] for i in z.json["items"]}, {rider["id"], w.riders[1][1]["id"]})
        box = C.get("/v1/riders/in-box?min_lat=%f&min_lon=%f&max_lat=%f&max_lon=%f" %
                    (w.lat0, w.lon0, w.lat0 + 0.2, w.lon0 + 0.2), token=ADMIN)
        self.assertEqual(box.status, 200, box)
        self.assertEqual(len(box.json["items"]), 2)

        # The riders table follows within a flush (GET /v1/riders/me reads it).
        h.wait_for(lambda: abs(C.get("/v1/riders/me", token=tok).json["location"]["lat"] - (at["lat"] - 0.0004)) < 1e-7,
                   timeout=10, what="the latest position persisted")

    def test_rejections_are_precise_and_apply_nothing(self):
        w = h.World(C, ADMIN, riders=1)
        tok, rider, at = w.riders[0]
        t = now()
        r = C.post("/v1/riders/me/locations", {"fixes": [fix(91, at["lon"], t), fix(at["lat"], 181, t),
                                                         {"lat": 1, "lon": 1, "at": "soon"}]}, token=tok)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(h.problem_fields(r), {"fixes[0].lat", "fixes[1].lon", "fixes[2].at"})

        future = C.post("/v1/riders/me/locations",
                        {"fixes": [fix(at["lat"], at["lon"], t + datetime.timedelta(minutes=3))]}, token=tok)
        self.assertEqual(future.status, 400, future)
        self.assertIn("2 minutes", future.json["errors"][0]["reason"])

        ok = C.post("/v1/riders/me/locations", {"fixes": [fix(at["lat"], at["lon"], t)]}, token=tok)
        self.assertEqual(ok.status, 200, ok)
        older = C.post("/v1/riders/me/locations",
                       {"fixes": [fix(at["lat"], at["lon"], t - datetime.timedelta(seconds=3))]}, token=tok)
        self.assertEqual(older.status, 400, older)
        self.assertEqual(h.problem_fields(older), {"fixes[0].at"})
        self.assertIn("latest fix", older.json["errors"][0]["reason"])

        big = C.post("/v1/riders/me/locations",
                     {"fixes": [fix(at["lat"], at["lon"], t + datetime.timedelta(milliseconds=i + 1))
                                for i in range(1001)]}, token=tok)
        self.assertEqual(big.status, 400, big)
        self.assertEqual(h.problem_fields(big), {"fixes"})
        self.assertIn("at most 1000", big.json["errors"][0]["reason"])

        # A 2 km jump in 2 s (3600 km/h) is flagged, not applied; the next sane fix is.
        jump = C.post("/v1/riders/me/locations", {"fixes": [
            fix(at["lat"] + 0.018, at["lon"], t + datetime.timedelta(seconds=2)),
            fix(at["lat"] + 0.00005, at["lon"], t + datetime.timedelta(seconds=3))]}, token=tok)
        self.assertEqual(jump.status, 200, jump)
        self.assertEqual(jump.json["accepted"], 1)
        self.assertEqual([f["index"] for f in jump.json["flagged"]], [0])
        self.assertGreater(jump.json["flagged"][0]["implied_kmh"], 200)
        self.assertAlmostEqual(jump.json["latest"]["lat"], at["lat"] + 0.00005, places=7)

        # Roles and state.
        self.assertEqual(C.post("/v1/riders/me/locations", {"fixes": [fix(1, 1, t)]},
                                token=w.customer_token).status, 403)
        self.assertEqual(C.post("/v1/riders/me/offline", {}, token=tok).status, 200)
        off = C.post("/v1/riders/me/locations", {"fixes": [fix(at["lat"], at["lon"], now())]}, token=tok)
        self.assertEqual(off.status, 409, off)
        self.assertEqual(C.get("/v1/riders/nearby?lat=1&lon=1", token=w.customer_token).status, 403)
        self.assertEqual(h.problem_fields(C.get("/v1/riders/nearby?lat=1", token=ADMIN)), {"lon"})
        self.assertEqual(C.get("/v1/riders/nearby?lat=1&lon=1&radius_m=0", token=ADMIN).status, 400)
        self.assertEqual(C.get("/v1/zones/zon_nope/riders", token=ADMIN).status, 404)

    def test_websocket_batches_are_acknowledged_with_the_ref(self):
        w = h.World(C, ADMIN, riders=1)
        tok, rider, at = w.riders[0]
        ws = h.WebSocket("127.0.0.1", SERVER.port, "/v1/ws?access_token=" + tok)
        self.addCleanup(ws.close)
        self.assertEqual(ws.status, 101)
        t = now() + datetime.timedelta(seconds=2)  # a plausible speed from where it went online
        ws.send_json({"type": "locations", "ref": 7, "fixes": [fix(at["lat"], at["lon"] + 0.0001, t)]})
        ack = ws.recv_json()
        self.assertEqual(ack["type"], "locations_ack", ack)
        self.assertEqual((ack["ref"], ack["accepted"]), (7, 1))
        ws.send_json({"type": "locations", "ref": "b", "fixes": [fix(at["lat"], at["lon"], t)]})
        err = ws.recv_json()
        self.assertEqual((err["type"], err["ref"]), ("error", "b"), err)
        self.assertEqual(err["error"]["status"], 400)
        self.assertEqual(err["error"]["errors"][0]["field"], "fixes[0].at")
        n = C.get("/v1/riders/nearby?lat=%f&lon=%f&radius_m=100" % (at["lat"], at["lon"] + 0.0001), token=ADMIN)
        self.assertEqual([i["rider_id"] for i in n.json["items"]], [rider["id"]])

    def test_single_fix_endpoint_still_moves_the_rider(self):
        w = h.World(C, ADMIN, riders=1)
        tok, rider, at = w.riders[0]
        to = {"lat": at["lat"] + 0.001, "lon": at["lon"]}
        self.assertEqual(C.post("/v1/riders/me/location", to, token=tok).status, 200)
        n = C.get("/v1/riders/nearby?lat=%f&lon=%f&radius_m=50" % (to["lat"], to["lon"]), token=ADMIN)
        self.assertEqual([i["rider_id"] for i in n.json["items"]], [rider["id"]])


class LiveTracking(unittest.TestCase):
    """A customer follows an order: status events, positions with an ETA, geofence events."""

    def assigned_order(self):
        w = h.World(C, ADMIN, riders=1)
        oid = w.place_ok()["id"]
        self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
        w.wait_rider(oid)
        return w, oid

    def track(self, oid, token, last_event_id=None):
        s = h.SseStream("127.0.0.1", SERVER.port, "/v1/orders/%s/track" % oid, token, last_event_id)
        self.addCleanup(s.close)
        return s

    def next_of(self, stream, event):
        while True:
            ev = stream.next_event()
            if ev.get("event") == event:
                return ev

    def test_positions_eta_geofences_and_resume(self):
        w, oid = self.assigned_order()
        rtok, rider, at = w.riders[0]
        s = self.track(oid, w.customer_token)
        self.assertEqual(s.status, 200)
        seen = [s.next_event() for _ in range(3)]  # replayed
        self.assertEqual([e["event"] for e in seen], ["order.placed", "order.accepted", "order.rider_assigned"])
        # The rider's position right away (from going online), with an ETA.
        first = json.loads(self.next_of(s, "rider.position")["data"])
        self.assertEqual((first["order_id"], first["rider_id"], first["next_stop"]), (oid, rider["id"], "restaurant"))
        self.assertGreater(first["eta_s"], 0)

        t = now()
        rest = w.location
        r = C.post("/v1/riders/me/locations", {"fixes": [fix(rest["lat"] + 0.005, rest["lon"], t + datetime.timedelta(seconds=15))]},
                   token=rtok)
        self.assertEqual(r.status, 200, r)
        mid = json.loads(self.next_of(s, "rider.position")["data"])
        self.assertAlmostEqual(mid["lat"], rest["lat"] + 0.005, places=7)
        self.assertLess(mid["eta_s"], first["eta_s"])  # closer: the ETA follows the rider

        # Within 50 m of the restaurant: a durable geofence event with an id.
        self.assertEqual(C.post("/v1/riders/me/locations", {"fixes": [
            fix(rest["lat"] + 0.0003, rest["lon"], t + datetime.timedelta(seconds=30))]}, token=rtok).status, 200)
        arrived = self.next_of(s, "rider.arrived_restaurant")
        self.assertIn("id", arrived)
        self.assertEqual(json.loads(arrived["data"])["data"]["rider_id"], rider["id"])

        self.assertEqual(w.act(oid, "ready", w.staff_token).status, 200)
        self.assertEqual(w.act(oid, "pickup", rtok).status, 200)
        picked = self.next_of(s, "order.picked_up")
        cust = w.delivery()
        self.assertEqual(C.post("/v1/riders/me/locations", {"fixes": [
            fix(cust["lat"] - 0.0002, cust["lon"], t + datetime.timedelta(seconds=90))]}, token=rtok).status, 200)
        arriving = self.next_of(s, "rider.arriving")
        self.assertGreater(int(arriving["id"]), int(picked["id"]))
        s.close()

        # Resume after the accepted event: everything since, in order, nothing missed.
        again = self.track(oid, w.customer_token, last_event_id=seen[1]["id"])
        types = []
        while len(types) < 5:
            ev = again.next_event()
            if "id" in ev:
                types.append(ev["event"])
        self.assertEqual(types, ["order.rider_assigned", "rider.arrived_restaurant", "order.ready", "order.picked_up",
                                 "rider.arriving"])

    def test_positions_are_rate_limited_and_coalesced(self):
        w, oid = self.assigned_order()
        rtok, rider, at = w.riders[0]
        s = self.track(oid, w.customer_token)
        ev = self.next_of(s, "rider.position")
        self.assertNotIn("id", ev)
        t = now() + datetime.timedelta(seconds=10)
        lats = [at["lat"] - 0.0001 * (i + 1) for i in range(5)]
        for i, lat in enumerate(lats):
            r = C.post("/v1/riders/me/locations", {"fixes": [fix(lat, at["lon"], t + datetime.timedelta(seconds=i))]},
                       token=rtok)
            self.assertEqual(r.status, 200, r)
        got = []
        while not got or abs(got[-1] - lats[-1]) > 1e-9:
            got.append(json.loads(self.next_of(s, "rider.position")["data"])["lat"])
        self.assertLess(len(got), len(lats))  # at most one per second: the in-between ones were coalesced

    def test_only_the_orders_parties_may_track(self):
        w, oid = self.assigned_order()
        rtok, rider, at = w.riders[0]
        other_token, _ = h.signup(C)
        self.assertEqual(self.track(oid, other_token).status, 403)
        self.assertEqual(self.track("ord_nope", w.customer_token).status, 404)
        for token in (w.customer_token, w.staff_token, rtok, ADMIN):
            self.assertEqual(self.track(oid, token).status, 200)
        ws = h.WebSocket("127.0.0.1", SERVER.port, "/v1/ws?access_token=" + other_token)
        self.addCleanup(ws.close)
        ws.send_json({"type": "track", "order_id": oid})
        err = ws.recv_json()
        self.assertEqual((err["type"], err["error"]["status"]), ("error", 403), err)

    def test_websocket_tracking(self):
        w, oid = self.assigned_order()
        rtok, rider, at = w.riders[0]
        ws = h.WebSocket("127.0.0.1", SERVER.port, "/v1/ws?access_token=" + w.customer_token)
        self.addCleanup(ws.close)
        ws.send_json({"type": "track", "order_id": oid, "last_event_id": 0})
        self.assertEqual(ws.recv_json(), {"type": "tracking", "order_id": oid})
        kinds = []
        position = None
        while position is None:
            m = ws.recv_json()
            if m["type"] == "event":
                kinds.append(m["event"]["type"])
            elif m["type"] == "position":
                position = m["position"]
        self.assertEqual(kinds, ["order.placed", "order.accepted", "order.rider_assigned"])
        self.assertEqual(position["rider_id"], rider["id"])
        ws.send_json({"type": "untrack", "order_id": oid})
        while ws.recv_json()["type"] != "untracked":
            pass


if __name__ == "__main__":
    unittest.main()
