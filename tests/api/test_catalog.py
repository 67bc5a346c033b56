"""Zones, restaurants and menus over real HTTP."""

import math
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@test.hotpath.dev"


def setUpModule():
    global SERVER, C, ADMIN, CUSTOMER
    SERVER, C, ADMIN = h.start_with_admin(ADMIN_EMAIL)
    CUSTOMER, _ = h.signup(C)


def tearDownModule():
    SERVER.cleanup()


fields = h.problem_fields


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def meters(a, b):
    """Haversine distance, for an independent check of the ordering."""
    r = 6371008.8
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    x = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(x))


class Zones(unittest.TestCase):
    def test_create_and_list(self):
        poly = h.rect(10.0, 10.0, 10.1, 10.1)
        r = C.post("/v1/zones", {"name": "North", "polygon": poly}, token=ADMIN)
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.json["id"])
        self.assertEqual(r.json["name"], "North")
        self.assertEqual(r.json["polygon"], poly)
        listed = C.get("/v1/zones")
        self.assertEqual(listed.status, 200)
        self.assertIn(r.json["id"], [z["id"] for z in listed.json["items"]])

    def test_polygon_validation(self):
        cases = [
            ({"name": "Z", "polygon": h.rect(0, 0, 1, 1)[:2]}, "polygon"),
            ({"name": "Z", "polygon": []}, "polygon"),
            ({"name": "Z", "polygon": "square"}, "polygon"),
            ({"name": "Z"}, "polygon"),
            ({"name": "Z", "polygon": [{"lat": 91, "lon": 0}, {"lat": 0, "lon": 1}, {"lat": 1, "lon": 1}]},
             "polygon[0].lat"),
            ({"name": "Z", "polygon": [{"lat": 0, "lon": 0}, {"lat": 0, "lon": 181}, {"lat": 1, "lon": 1}]},
             "polygon[1].lon"),
            ({"name": "Z", "polygon": [{"lat": 0, "lon": 0}, {"lat": 0, "lon": 1}, {"lat": 1}]}, "polygon[2].lon"),
            ({"polygon": h.rect(0, 0, 1, 1)}, "name"),
            ({"name": "Z", "polygon": h.rect(0, 0, 1, 1), "colour": "red"}, "colour"),
        ]
        for body, field in cases:
            r = C.post("/v1/zones", body, token=ADMIN)
            self.assertEqual(r.status, 400, (body, r))
            self.assertIn(field, fields(r), (body, r))

    # Regression: a polygon whose points all coincide or lie on one line encloses nothing (no
    # restaurant or rider can ever be inside); it was once accepted with 201.
    def test_zero_area_polygon_is_400(self):
        for poly in ([{"lat": 1, "lon": 1}] * 3,
                     [{"lat": 1, "lon": 1}, {"lat": 2, "lon": 2}, {"lat": 3, "lon": 3}]):
            r = C.post("/v1/zones", {"name": "Flat", "polygon": poly}, token=ADMIN)
            self.assertEqual(r.status, 400, (poly, r))
            self.assertIn("polygon", fields(r))

    def test_only_admins_create_zones(self):
        self.assertEqual(C.post("/v1/zones", {"name": "Z", "polygon": h.rect(0, 0, 1, 1)}, token=CUSTOMER).status, 403)
        self.assertEqual(C.post("/v1/zones", {"name": "Z", "polygon": h.rect(0, 0, 1, 1)}).status, 401)


class Restaurants(unittest.TestCase):
    def test_zone_is_detected_from_the_polygon(self):
        z = C.post("/v1/zones", {"name": "Harbour", "polygon": h.rect(20.0, 20.0, 20.1, 20.1)}, token=ADMIN).json
        inside = C.post("/v1/restaurants", {"name": "Inside", "location": {"lat": 20.05, "lon": 20.05}}, token=ADMIN)
        self.assertEqual(inside.status, 201, inside)
        self.assertEqual(inside.json["zone_id"], z["id"])
        outside = C.post("/v1/restaurants", {"name": "Outside", "location": {"lat": 20.15, "lon": 20.05}},
                         token=ADMIN)
        self.assertEqual(outside.status, 201, outside)
        self.assertIsNone(outside.json["zone_id"])
        got = C.get("/v1/restaurants/" + inside.json["id"])
        self.assertEqual(got.status, 200)
        self.assertEqual(got.json["name"], "Inside")
        self.assertEqual(got.json["location"], {"lat": 20.05, "lon": 20.05})

    def test_restaurant_validation(self):
        cases = [
            ({"name": "R", "location": {"lat": 95, "lon": 0}}, "location.lat"),
            ({"name": "R", "location": {"lat": 0, "lon": -200}}, "location.lon"),
            ({"name": "R"}, "location"),
            ({"location": {"lat": 0, "lon": 0}}, "name"),
            ({"name": "R", "location": {"lat": 0, "lon": 0}, "zone_id": "zon_nope"}, "zone_id"),
            ({"name": 5, "location": {"lat": 0, "lon": 0}}, "name"),
        ]
        for body, field in cases:
            r = C.post("/v1/restaurants", body, token=ADMIN)
            self.assertEqual(r.status, 400, (body, r))
            self.assertIn(field, fields(r), (body, r))
        self.assertEqual(C.post("/v1/restaurants", {"name": "R", "location": {"lat": 0, "lon": 0}},
                                token=CUSTOMER).status, 403)

    def test_unknown_restaurant_is_404(self):
        self.assertEqual(C.get("/v1/restaurants/rst_nope").status, 404)
        self.assertEqual(C.get("/v1/restaurants/rst_nope/menu").status, 404)
        r = C.post("/v1/restaurants/rst_nope/items", {"name": "X", "price": usd(100)}, token=ADMIN)
        self.assertEqual(r.status, 404, r)

    def test_nearby_ordered_by_distance_with_pagination(self):
        center = (30.0, 30.0)
        # five restaurants at known offsets (created out of order), one beyond the radius
        offsets = [0.004, 0.001, 0.005, 0.002, 0.003]
        made = {}
        for i, d in enumerate(offsets):
            r = C.post("/v1/restaurants", {"name": "Near %d" % i, "location": {"lat": center[0] + d, "lon": center[1]}},
                       token=ADMIN)
            self.assertEqual(r.status, 201, r)
            made[r.json["id"]] = d
        far = C.post("/v1/restaurants", {"name": "Far", "location": {"lat": center[0] + 0.05, "lon": center[1]}},
                     token=ADMIN).json
        seen = []
        cursor = None
        pages = 0
        while True:
            q = "/v1/restaurants?lat=%s&lon=%s&radius_m=1000&limit=2" % center
            if cursor:
                q += "&cursor=" + cursor
            r = C.get(q)
            self.assertEqual(r.status, 200, r)
            self.assertLessEqual(len(r.json["items"]), 2)
            seen += r.json["items"]
            pages += 1
            cursor = r.json["next_cursor"]
            if cursor is None:
                break
            self.assertLess(pages, 10, "pagination does not end")
        self.assertEqual(pages, 3)
        ids = [x["id"] for x in seen]
        self.assertEqual(ids, sorted(made, key=made.get), "nearest first, each exactly once")
        self.assertNotIn(far["id"], ids, "outside the radius")
        dists = [x["distance_m"] for x in seen]
        self.assertEqual(dists, sorted(dists))
        for x in seen:
            true = meters(center, (x["location"]["lat"], x["location"]["lon"]))
            self.assertAlmostEqual(x["distance_m"], true, delta=2)
        # a larger radius includes the far one, last
        r = C.get("/v1/restaurants?lat=%s&lon=%s&radius_m=10000&limit=100" % center)
        self.assertEqual(r.json["items"][-1]["id"], far["id"])
        self.assertIsNone(r.json["next_cursor"])

    def test_nearby_query_validation(self):
        for q, field in (("lat=91&lon=0", "lat"), ("lat=-91&lon=0", "lat"), ("lat=0&lon=181", "lon"),
                         ("lat=abc&lon=0", "lat"), ("lat=0&lon=0&limit=0", "limit"), ("lat=0&lon=0&limit=101", "limit"),
                         ("lat=0&lon=0&radius_m=-5", "radius_m"), ("lon=0", "lat"), ("lat=0&lon=0&cursor=xyz", "cursor")):
            r = C.get("/v1/restaurants?" + q)
            self.assertEqual(r.status, 400, (q, r))
            self.assertIn(field, fields(r), (q, r))


class Menus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rid = C.post("/v1/restaurants", {"name": "Menu Test", "location": {"lat": 40.0, "lon": 40.0}},
                         token=ADMIN).json["id"]
        cls.other_rid = C.post("/v1/restaurants", {"name": "Other", "location": {"lat": 40.0, "lon": 40.01}},
                               token=ADMIN).json["id"]
        cls.staff, _ = h.create_user(C, ADMIN, "restaurant", restaurant_id=cls.rid)
        cls.other_staff, _ = h.create_user(C, ADMIN, "restaurant", restaurant_id=cls.other_rid)

    def menu(self, rid=None):
        r = C.get("/v1/restaurants/%s/menu" % (rid or self.rid))
        self.assertEqual(r.status, 200, r)
        return {i["id"]: i for i in r.json["items"]}

    def test_add_item_with_money(self):
        r = C.post("/v1/restaurants/%s/items" % self.rid, {"name": "Ramen", "price": usd(1399)}, token=ADMIN)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["price"], usd(1399))
        self.assertTrue(r.json["available"])
        self.assertEqual(self.menu()[r.json["id"]]["price"], usd(1399))
        # staff of this restaurant may add, unavailable from the start
        r2 = C.post("/v1/restaurants/%s/items" % self.rid, {"name": "Gyoza", "price": usd(599), "available": False},
                    token=self.staff)
        self.assertEqual(r2.status, 201, r2)
        self.assertFalse(self.menu()[r2.json["id"]]["available"])

    def test_item_validation(self):
        cases = [
            ({"name": "X", "price": {"amount": 100, "currency": "EUR"}}, "price.currency"),
            ({"name": "X", "price": {"amount": 1.5, "currency": "USD"}}, "price.amount"),
            ({"name": "X", "price": {"amount": -1, "currency": "USD"}}, "price.amount"),
            ({"name": "X", "price": 100}, "price"),
            ({"name": "X"}, "price"),
            ({"price": usd(100)}, "name"),
            ({"name": "X", "price": usd(100), "available": "yes"}, "available"),
            ({"name": "X", "price": usd(100), "spicy": True}, "spicy"),
        ]
        for body, field in cases:
            r = C.post("/v1/restaurants/%s/items" % self.rid, body, token=ADMIN)
            self.assertEqual(r.status, 400, (body, r))
            self.assertIn(field, fields(r), (body, r))

    def test_menu_edits_by_the_wrong_people_are_403(self):
        r = C.post("/v1/restaurants/%s/items" % self.rid, {"name": "X", "price": usd(100)}, token=self.other_staff)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(C.post("/v1/restaurants/%s/items" % self.rid, {"name": "X", "price": usd(100)},
                                token=CUSTOMER).status, 403)
        item = C.post("/v1/restaurants/%s/items" % self.rid, {"name": "Tea", "price": usd(250)}, token=ADMIN).json
        r = C.patch("/v1/restaurants/%s/items/%s" % (self.rid, item["id"]), {"price": usd(1)}, token=self.other_staff)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.menu()[item["id"]]["price"], usd(250), "a refused edit changes nothing")

    def test_patch_is_visible_in_the_menu_immediately(self):
        item = C.post("/v1/restaurants/%s/items" % self.rid, {"name": "Soup", "price": usd(700)}, token=ADMIN).json
        self.assertEqual(self.menu()[item["id"]]["price"], usd(700))  # now cached
        path = "/v1/restaurants/%s/items/%s" % (self.rid, item["id"])
        r = C.patch(path, {"price": usd(750)}, token=self.staff)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["price"], usd(750))
        self.assertEqual(self.menu()[item["id"]]["price"], usd(750))
        r = C.patch(path, {"available": False, "name": "Soup of the day"}, token=ADMIN)
        self.assertEqual(r.status, 200, r)
        m = self.menu()[item["id"]]
        self.assertFalse(m["available"])
        self.assertEqual(m["name"], "Soup of the day")
        self.assertEqual(m["price"], usd(750))

    def test_patch_errors(self):
        item = C.post("/v1/restaurants/%s/items" % self.rid, {"name": "Rice", "price": usd(300)}, token=ADMIN).json
        path = "/v1/restaurants/%s/items/%s" % (self.rid, item["id"])
        self.assertEqual(C.patch("/v1/restaurants/%s/items/itm_nope" % self.rid, {"price": usd(1)},
                                 token=ADMIN).status, 404)
        # an item is addressed through its own restaurant only
        self.assertEqual(C.patch("/v1/restaurants/%s/items/%s" % (self.other_rid, item["id"]), {"price": usd(1)},
                                 token=ADMIN).status, 404)
        self.assertEqual(C.patch(path, {}, token=ADMIN).status, 400)
        r = C.patch(path, {"price": {"amount": 1, "currency": "GBP"}}, token=ADMIN)
        self.assertEqual(r.status, 400)
        self.assertIn("price.currency", fields(r))
        r = C.patch(path, {"colour": "red"}, token=ADMIN)
        self.assertEqual(r.status, 400)
        self.assertIn("colour", fields(r))
        self.assertEqual(self.menu()[item["id"]]["price"], usd(300))


if __name__ == "__main__":
    unittest.main()
