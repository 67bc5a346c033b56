"""Quotes and placing orders over real HTTP: money math, idempotency, payment declines and every
kind of bad order request."""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@test.hotpath.dev"


def setUpModule():
    global SERVER, C, ADMIN, W
    SERVER, C, ADMIN = h.start_with_admin(ADMIN_EMAIL)
    W = h.World(C, ADMIN)  # Burger 1250, Fries 450, Soda 300


def tearDownModule():
    SERVER.cleanup()


fields = h.problem_fields


def placed_count():
    m = re.search(r'^hotpath_orders_total\{status="placed"\} (\d+(?:\.\d+)?)', C.get("/metrics").text, re.M)
    return int(float(m.group(1))) if m else 0


class Quotes(unittest.TestCase):
    def quote(self, body):
        body = dict(body)
        body.pop("payment_method", None)
        r = C.post("/v1/orders/quote", body, token=W.customer_token)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_quote_math(self):
        q = self.quote(W.order_body([(0, 2), (1, 1)]))
        self.assertEqual(q["subtotal"], {"amount": 2 * 1250 + 450, "currency": "USD"})
        for k in ("delivery_fee", "small_order_fee", "total"):
            self.assertEqual(q[k]["currency"], "USD")
        self.assertGreater(q["delivery_fee"]["amount"], 0)
        self.assertEqual(q["small_order_fee"]["amount"], 0, "no small-order fee on a 29.50 order")
        self.assertEqual(q["total"]["amount"],
                         q["subtotal"]["amount"] + q["delivery_fee"]["amount"] + q["small_order_fee"]["amount"])
        self.assertGreater(q["eta_minutes"], 0)

    def test_small_order_fee(self):
        q = self.quote(W.order_body([(2, 1)]))  # one soda
        self.assertEqual(q["subtotal"]["amount"], 300)
        self.assertGreater(q["small_order_fee"]["amount"], 0)
        self.assertEqual(q["total"]["amount"],
                         q["subtotal"]["amount"] + q["delivery_fee"]["amount"] + q["small_order_fee"]["amount"])

    def test_farther_costs_more_and_takes_longer(self):
        near = W.order_body()
        far = W.order_body()
        far["delivery"] = dict(far["delivery"], lat=W.location["lat"] + 0.08)  # ~9 km
        qn, qf = self.quote(near), self.quote(far)
        self.assertGreater(qf["delivery_fee"]["amount"], qn["delivery_fee"]["amount"])
        self.assertGreater(qf["eta_minutes"], qn["eta_minutes"])

    def test_placed_order_charges_the_quoted_total(self):
        body = W.order_body([(0, 1), (2, 3)])
        q = self.quote(body)
        o = W.place_ok(body=body)
        self.assertEqual(o["total"], q["total"])
        self.assertEqual(o["subtotal"], q["subtotal"])
        self.assertEqual(o["payment"]["amount"], q["total"])
        self.assertEqual([(i["item_id"], i["quantity"]) for i in o["items"]],
                         [(W.items[0]["id"], 1), (W.items[2]["id"], 3)])
        self.assertEqual(o["items"][0]["unit_price"], {"amount": 1250, "currency": "USD"})


class Idempotency(unittest.TestCase):
    def test_same_key_same_body_returns_the_same_order(self):
        key = h.unique("idem")
        first = W.place(key=key)
        self.assertEqual(first.status, 201, first)
        self.assertEqual(first.header("Location"), "/v1/orders/" + first.json["id"])
        again = W.place(key=key)
        self.assertEqual(again.status, 201, again)
        self.assertEqual(again.json["id"], first.json["id"])
        self.assertEqual(again.header("Idempotent-Replayed"), "true")

    def test_same_key_different_body_is_422(self):
        key = h.unique("idem")
        self.assertEqual(W.place(key=key).status, 201)
        before = placed_count()
        r = W.place(body=W.order_body([(0, 5)]), key=key)
        self.assertEqual(r.status, 422, r)
        self.assertEqual(placed_count(), before)

    def test_keys_belong_to_one_customer(self):
        key = h.unique("idem")
        a = W.place(key=key)
        other_tok, _ = h.signup(C)
        b = W.place(key=key, token=other_tok)
        self.assertEqual(b.status, 201, b)
        self.assertNotEqual(a.json["id"], b.json["id"])

    def test_missing_or_bad_key_is_400(self):
        r = C.post("/v1/orders", W.order_body(), token=W.customer_token)
        self.assertEqual(r.status, 400, r)
        self.assertIn("Idempotency-Key", fields(r))
        r = C.post("/v1/orders", W.order_body(), token=W.customer_token, headers={"Idempotency-Key": "x" * 300})
        self.assertEqual(r.status, 400, r)

    def test_concurrent_retries_make_one_order(self):
        import concurrent.futures
        key = h.unique("race")
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: W.place(key=key), range(8)))
        self.assertEqual({r.status for r in results}, {201}, results)
        self.assertEqual(len({r.json["id"] for r in results}), 1)


class Declines(unittest.TestCase):
    def test_declined_card_is_402_and_makes_no_order(self):
        before = placed_count()
        r = W.place(body=W.order_body(payment_method="tok_declined"))
        self.assertEqual(r.status, 402, r)
        self.assertTrue(r.header("Content-Type").startswith("application/problem+json"))
        self.assertNotIn("id", r.json)
        self.assertEqual(placed_count(), before)
        # the next good order works
        self.assertEqual(W.place().status, 201)
        self.assertEqual(placed_count(), before + 1)


class BadOrders(unittest.TestCase):
    def assertRefused(self, body, status, field=None, raw=None, headers=None):
        hdrs = {"Idempotency-Key": h.unique("bad")}
        hdrs.update(headers or {})
        before = placed_count()
        if raw is not None:
            r = C.request("POST", "/v1/orders", raw=raw, token=W.customer_token, headers=hdrs)
        else:
            r = C.post("/v1/orders", body, token=W.customer_token, headers=hdrs)
        self.assertEqual(r.status, status, (body, raw, r))
        self.assertTrue(r.header("Content-Type").startswith("application/problem+json"), r.headers)
        self.assertEqual(r.json["status"], status)
        if field:
            self.assertIn(field, fields(r), (body, r))
        self.assertEqual(placed_count(), before, "a refused order must not be created")
        return r

    def test_unknown_item(self):
        b = W.order_body()
        b["items"][1]["item_id"] = "itm_nope"
        r = self.assertRefused(b, 400, "items[1].item_id")
        self.assertEqual(fields(r), {"items[1].item_id"})

    def test_item_of_another_restaurant(self):
        other = C.post("/v1/restaurants", {"name": "Elsewhere", "location": W.location}, token=ADMIN).json
        it = C.post("/v1/restaurants/%s/items" % other["id"], {"name": "Pie", "price": {"amount": 500, "currency": "USD"}},
                    token=ADMIN).json
        b = W.order_body()
        b["items"][0]["item_id"] = it["id"]
        self.assertRefused(b, 400, "items[0].item_id")

    def test_unavailable_item_is_409(self):
        it = C.post("/v1/restaurants/%s/items" % W.rid, {"name": "Special", "price": {"amount": 900, "currency": "USD"},
                                                         "available": False}, token=ADMIN).json
        b = W.order_body()
        b["items"].append({"item_id": it["id"], "quantity": 1})
        self.assertRefused(b, 409, "items[2].item_id")
        q = dict(b)
        del q["payment_method"]
        r = C.post("/v1/orders/quote", q, token=W.customer_token)
        self.assertEqual(r.status, 409, r)

    def test_quantities(self):
        for qty in (0, -1, 101, 1.5, "2", None):
            b = W.order_body()
            b["items"][0]["quantity"] = qty
            self.assertRefused(b, 400, "items[0].quantity")
        b = W.order_body()
        b["items"][0]["quantity"] = 100
        r = W.place(body=b)
        self.assertEqual(r.status, 201, "100 is allowed: %r" % r)

    def test_too_far_is_422(self):
        b = W.order_body()
        b["delivery"]["lat"] = W.location["lat"] + 0.5  # ~55 km
        r = self.assertRefused(b, 422)
        self.assertIn("delivery", fields(r))

    def test_unknown_restaurant_is_404(self):
        b = W.order_body()
        b["restaurant_id"] = "rst_nope"
        self.assertRefused(b, 404, "restaurant_id")

    def test_coordinates_out_of_range(self):
        b = W.order_body()
        b["delivery"]["lat"] = 91
        self.assertRefused(b, 400, "delivery.lat")
        b = W.order_body()
        b["delivery"]["lon"] = -181
        self.assertRefused(b, 400, "delivery.lon")

    def test_unknown_fields(self):
        b = W.order_body()
        b["coupon"] = "FREE"
        self.assertRefused(b, 400, "coupon")
        b = W.order_body()
        b["items"][0]["extra_cheese"] = True
        self.assertRefused(b, 400, "items[0].extra_cheese")

    def test_missing_fields_and_wrong_types(self):
        for field in ("restaurant_id", "items", "delivery", "payment_method"):
            b = W.order_body()
            del b[field]
            self.assertRefused(b, 400, field)
        b = W.order_body()
        del b["delivery"]["address"]
        self.assertRefused(b, 400, "delivery.address")
        b = W.order_body()
        b["items"] = []
        self.assertRefused(b, 400, "items")
        b = W.order_body()
        b["items"] = {"item_id": W.items[0]["id"], "quantity": 1}
        self.assertRefused(b, 400, "items")
        b = W.order_body()
        b["restaurant_id"] = 42
        self.assertRefused(b, 400, "restaurant_id")
        b = W.order_body()
        b["items"] = [{"item_id": W.items[0]["id"], "quantity": 1}] * 101
        self.assertRefused(b, 400, "items")

    def test_malformed_json_and_non_objects(self):
        body = json.dumps(W.order_body())
        for raw in (body[:-5], "{", "not json", "[]", "null", "42", body + "{}"):
            self.assertRefused(None, 400, raw=raw)
        self.assertRefused(None, 415, raw=body, headers={"Content-Type": "text/plain"})

    def test_body_over_one_mebibyte_is_413(self):
        b = W.order_body()
        b["padding"] = "x" * (1024 * 1024 + 10)
        data = json.dumps(b).encode()
        head = ("POST /v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "Authorization: Bearer %s\r\nIdempotency-Key: %s\r\nContent-Length: %d\r\n\r\n"
                % (W.customer_token, h.unique("big"), len(data))).encode()
        before = placed_count()
        status, headers, resp = h.raw_http(SERVER.port, head + data)
        self.assertEqual(status, 413, resp[:300])
        self.assertEqual(json.loads(resp)["status"], 413)
        self.assertEqual(placed_count(), before)
        # the server is fine afterwards
        self.assertEqual(C.get("/healthz").status, 200)

    def test_only_customers_order(self):
        r = C.post("/v1/orders", W.order_body(), token=W.staff_token, headers={"Idempotency-Key": h.unique()})
        self.assertEqual(r.status, 403, r)
        r = C.post("/v1/orders", W.order_body(), headers={"Idempotency-Key": h.unique()})
        self.assertEqual(r.status, 401, r)


if __name__ == "__main__":
    unittest.main()
