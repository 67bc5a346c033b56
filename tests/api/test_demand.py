"""Dynamic delivery fees and quotes that hold (and, below, the forecast, retraining and staffing
API) against a real server with dynamic fees on and a known token secret, so the test can sign its
own quote tokens (crypto_auth = HMAC-SHA-512-256, key = BLAKE2b-256("hotpath quote token v1" + secret))
to check expiry and the token format without waiting for a clock."""

import base64
import hashlib
import hmac
import math
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@test.hotpath.dev"
SECRET = "demand-test-secret-0123456789-abcdefghij"
MAX_SURCHARGE = 100


def setUpModule():
    global SERVER, C, ADMIN
    SERVER, C, ADMIN = h.start_with_admin(
        ADMIN_EMAIL, extra_args=["--token-secret", SECRET, "--dynamic-fees", "true", "--fee-refresh-s", "1",
                                 "--fee-max-surcharge", str(MAX_SURCHARGE), "--fee-max-multiplier", "2"])


def tearDownModule():
    SERVER.cleanup()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(customer, restaurant, delivery, zone, fee, expires_ms, secret=SECRET):
    key = hashlib.blake2b(b"hotpath quote token v1" + secret.encode(), digest_size=32).digest()
    payload = ("q1|%s|%s|%.6f,%.6f|%s|%d|USD|%d" % (customer, restaurant, delivery["lat"], delivery["lon"], zone,
                                                    fee, expires_ms)).encode()
    return b64(payload) + "." + b64(hmac.new(key, payload, hashlib.sha512).digest()[:32])


def quote(w, token=None, body=None):
    body = dict(body or w.order_body())
    body.pop("payment_method", None)
    r = C.post("/v1/orders/quote", body, token=token or w.customer_token)
    assert r.status == 200, r
    return r.json


def place_with(w, quote_id, body=None, token=None):
    body = dict(body or w.order_body())
    body["quote_id"] = quote_id
    return w.place(body=body, token=token)


def zone_fee(w):
    r = C.get("/v1/zones/%s/fee" % w.zone["id"], token=ADMIN)
    assert r.status == 200, r
    return r.json


class QuotesHoldTheirFee(unittest.TestCase):
    def test_surge_caps_and_quoted_fees(self):
        w = h.World(C, ADMIN)  # a zone of its own with no rider: any demand is more than it can carry
        calm = quote(w)
        base = calm["delivery_fee"]["breakdown"]["base"]["amount"]
        self.assertEqual(calm["delivery_fee"]["amount"], base, "no demand yet: the distance fee")
        self.assertEqual(calm["delivery_fee"]["breakdown"]["multiplier"], 1.0)
        self.assertEqual(calm["total"]["amount"], calm["subtotal"]["amount"] + base)
        self.assertTrue(calm["quote_id"])
        self.assertTrue(calm["expires_at"].endswith("Z"))
        for _ in range(3):
            o = w.place_ok()
            self.assertGreaterEqual(o["delivery_fee"]["amount"], base)
        # The zone's multiplier moves at its next refresh (at most every second here), halfway to the cap.
        fee = h.wait_for(lambda: (lambda f: f if f["multiplier"] > 1 else None)(zone_fee(w)), timeout=10,
                         what="the zone's multiplier to rise")
        self.assertEqual(fee["breakdown"]["riders"]["available"], 0)
        self.assertGreater(fee["breakdown"]["demand"]["orders_per_hour"], 0)
        self.assertIsNone(fee["breakdown"]["forecast"], "no model yet")
        self.assertIn("no rider", fee["breakdown"]["reason"])
        busy = quote(w)
        b = busy["delivery_fee"]["breakdown"]
        self.assertGreater(b["multiplier"], 1.0)
        self.assertLessEqual(b["multiplier"], 2.0)
        self.assertEqual(b["base"]["amount"], base)
        # x1.5 or more of a fee above 200 is more than the 1.00 surcharge cap.
        self.assertEqual(busy["delivery_fee"]["amount"], base + MAX_SURCHARGE)
        self.assertEqual(b["surcharge"]["amount"], MAX_SURCHARGE)
        self.assertIn("capped", b["reason"])
        self.assertEqual(busy["total"]["amount"], busy["subtotal"]["amount"] + base + MAX_SURCHARGE)
        # The calm quote still holds: its order pays the distance fee although the zone is busy now.
        held = place_with(w, calm["quote_id"])
        self.assertEqual(held.status, 201, held)
        self.assertEqual(held.json["delivery_fee"]["amount"], base)
        self.assertEqual(held.json["total"]["amount"], calm["total"]["amount"])
        self.assertEqual(held.json["payment"]["amount"], calm["total"])
        surged = place_with(w, busy["quote_id"])
        self.assertEqual(surged.status, 201, surged)
        self.assertEqual(surged.json["delivery_fee"]["amount"], base + MAX_SURCHARGE)
        # Without a quote the order pays the zone's current fee.
        self.assertEqual(w.place_ok()["delivery_fee"]["amount"], base + MAX_SURCHARGE)
        m = re.search(r'^hotpath_delivery_fee_multiplier\{zone="%s"\} ([0-9.]+)$' % w.zone["id"],
                      C.get("/metrics").text, re.M)
        self.assertTrue(m, "the zone's multiplier is a metric")
        self.assertGreater(float(m.group(1)), 1.0)

    def test_a_quote_pays_its_fee_even_with_a_new_cart(self):
        w = h.World(C, ADMIN)
        q = quote(w, body=w.order_body([(2, 1)]))
        body = w.order_body([(0, 3)])
        o = place_with(w, q["quote_id"], body=body)
        self.assertEqual(o.status, 201, o)
        self.assertEqual(o.json["delivery_fee"], {"amount": q["delivery_fee"]["amount"], "currency": "USD"})
        self.assertEqual(o.json["subtotal"]["amount"], 3 * 1250)


class QuoteMisuse(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = h.World(C, ADMIN, riders=1)
        cls.other = h.World(C, ADMIN, riders=1)

    def assert_quote_problem(self, r, status):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.header("Content-Type").startswith("application/problem+json"), r)
        if status == 400:
            self.assertIn("quote_id", h.problem_fields(r))

    def test_another_customers_quote_is_400(self):
        q = quote(self.w)
        self.assert_quote_problem(place_with(self.w, q["quote_id"], token=self.other.customer_token), 400)

    def test_another_restaurants_quote_is_400(self):
        q = quote(self.other, token=self.w.customer_token, body=self.other.order_body())
        self.assert_quote_problem(place_with(self.w, q["quote_id"]), 400)

    def test_another_drop_off_is_400(self):
        q = quote(self.w)
        body = self.w.order_body()
        body["delivery"] = dict(body["delivery"], lat=body["delivery"]["lat"] + 0.001)
        self.assert_quote_problem(place_with(self.w, q["quote_id"], body=body), 400)

    def test_forged_and_garbage_quotes_are_400(self):
        q = quote(self.w)["quote_id"]
        payload, mac = q.split(".")
        claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode().split("|")
        claims[5] = "1"  # a cheaper fee under the old signature
        cheap = b64("|".join(claims).encode()) + "." + mac
        wrong_key = mint(self.w.customer["id"], self.w.rid, self.w.delivery(), self.w.zone["id"], 1,
                         int(time.time() * 1000) + 60000, secret="another-secret-of-sufficient-length!!")
        for bad in (cheap, wrong_key, "garbage", "a.b", q[:-2]):
            self.assert_quote_problem(place_with(self.w, bad), 400)
        r = self.w.place(body=dict(self.w.order_body(), quote_id=7))
        self.assertEqual(r.status, 400, r)
        # A quote_id is for placing, not for quoting.
        r = C.post("/v1/orders/quote", dict(self.w.order_body(), quote_id=q), token=self.w.customer_token)
        self.assertEqual(r.status, 400, r)

    def test_expired_quote_is_409_and_a_valid_token_is_honoured(self):
        w = self.w
        past = int(time.time() * 1000) - 1000
        expired = mint(w.customer["id"], w.rid, w.delivery(), w.zone["id"], 250, past)
        r = place_with(w, expired)
        self.assert_quote_problem(r, 409)
        self.assertIn("expired", r.json["detail"])
        # The same claims signed with the server's key and a future expiry: the token format is the documented one.
        valid = mint(w.customer["id"], w.rid, w.delivery(), w.zone["id"], 250, past + 120000)
        o = place_with(w, valid)
        self.assertEqual(o.status, 201, o)
        self.assertEqual(o.json["delivery_fee"]["amount"], 250)

    def test_zone_fee_endpoint(self):
        f = zone_fee(self.w)
        self.assertTrue(f["dynamic_fees"])
        self.assertEqual(f["zone_id"], self.w.zone["id"])
        self.assertEqual(f["settings"]["max_surcharge"], {"amount": MAX_SURCHARGE, "currency": "USD"})
        self.assertGreaterEqual(f["fee"]["amount"], 199)
        r = C.get("/v1/zones/%s/fee?base_fee=500" % self.w.zone["id"], token=ADMIN)
        self.assertEqual(r.json["breakdown"]["base"]["amount"], 500)
        for bad in ("abc", "-1", "100001", ""):
            r = C.get("/v1/zones/%s/fee?base_fee=%s" % (self.w.zone["id"], bad), token=ADMIN)
            self.assertEqual(r.status, 400, (bad, r))
            self.assertIn("base_fee", h.problem_fields(r))
        self.assertEqual(C.get("/v1/zones/zon_nope/fee", token=ADMIN).status, 404)
        self.assertEqual(C.get("/v1/zones/%s/fee" % self.w.zone["id"], token=self.w.customer_token).status, 403)
        self.assertEqual(C.get("/v1/zones/%s/fee" % self.w.zone["id"]).status, 401)


HOUR_MS = 3600 * 1000


def exec_sql(script):
    """Runs SQL statements against the test server's database (either backend)."""
    if h.BACKEND == "postgres":
        pg = h.postgres_server()
        db = h.child_env(SERVER.data_dir)["HOTPATH_DATABASE_URL"].rsplit("/", 1)[1]
        out = subprocess.run([os.path.join(pg.bindir, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.url(db),
                              "-f", "-"], input=script, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return
    db = sqlite3.connect(os.path.join(SERVER.data_dir, "hotpath.db"), timeout=30)
    try:
        db.executescript(script)
    finally:
        db.close()


def poisson(rng, lam):
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def seed_history(w, days, end_ms):
    """`days` of orders in w's zone before `end_ms` (an hour boundary): lunch and dinner peaks, fixed seed.
    Returns how many orders were written."""
    rng = random.Random(7)
    rows = []
    start = end_ms - days * 24 * HOUR_MS
    for hour in range(start, end_ms, HOUR_MS):
        hod = (hour // HOUR_MS) % 24
        lam = 0.3 + 6 * (math.exp(-(hod - 12) ** 2 / 4.0) + math.exp(-(hod - 19) ** 2 / 4.0))
        for i in range(poisson(rng, lam) + (1 if hour == start else 0)):
            oid = "ord_seed%s" % h.unique()
            at = hour + (i * 7 % 60) * 60000
            rows.append("('%s','%s','%s','%s','delivered',1,1000,199,0,1199,'USD',0,0,'seeded',30,'%s','h',%d,%d)"
                        % (oid, w.customer["id"], w.rid, w.zone["id"], oid, at, at))
    cols = ("id,customer_id,restaurant_id,zone_id,status,version,subtotal,delivery_fee,small_order_fee,total,currency,"
            "delivery_lat,delivery_lon,delivery_address,eta_minutes,idempotency_key,request_hash,created_at,updated_at")
    script = "".join("INSERT INTO orders(%s) VALUES %s;\n" % (cols, ",".join(rows[i:i + 200]))
                     for i in range(0, len(rows), 200))
    exec_sql("BEGIN;\n" + script + "COMMIT;\n")
    return len(rows)


class ForecastAndStaffing(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = h.World(C, ADMIN)

    def forecast(self, query, status=200):
        r = C.get("/v1/forecast?" + query, token=ADMIN)
        self.assertEqual(r.status, status, r)
        return r

    def test_history_retrain_forecast_staffing(self):
        w = self.w
        zone = w.zone["id"]
        # No model yet: 409, for forecasts and plans alike.
        r = self.forecast("zone=" + zone, 409)
        self.assertIn("retrain", r.json["detail"])
        tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
        self.assertEqual(C.get("/v1/staffing/plan?zone=%s&date=%s" % (zone, tomorrow), token=ADMIN).status, 409)
        # Too little history: 409 that says how much there is.
        now_hour = int(time.time() // 3600) * HOUR_MS
        orders = seed_history(w, 5, now_hour)
        r = C.post("/v1/forecast/retrain", token=ADMIN)
        self.assertEqual(r.status, 409, r)
        self.assertIn("5.0 days of orders", r.json["detail"])
        # 12 days more before those: 17 days, a model with intervals.
        orders += seed_history(w, 12, now_hour - 5 * 24 * HOUR_MS)
        self.assertGreater(orders, 500)
        r = C.post("/v1/forecast/retrain", token=ADMIN)
        self.assertEqual(r.status, 200, r)
        model = r.json["model"]
        self.assertIn(zone, model["zones"])
        self.assertEqual(model["method"], "ets_sqrt_robust")
        self.assertGreater(model["calibration_residuals"], 0)
        self.assertIn(r.json["history"]["hours"], (17 * 24, 17 * 24 + 1))  # +1: the clock passed an hour
        self.assertGreater(r.json["history"]["orders"], orders - 1)

        m = re.search(r"^hotpath_demand_model_age_seconds ([0-9.e+-]+)$", C.get("/metrics").text, re.M)
        self.assertTrue(m, "the model's age is a metric")
        self.assertLess(float(m.group(1)), 600)
        f = self.forecast("zone=" + zone).json
        self.assertEqual(len(f["points"]), 24, "the next 24 hours by default")
        self.assertIn(f["model"]["last_observed_hour"][:13],
                      [time.strftime("%Y-%m-%dT%H", time.gmtime(now_hour / 1000 + d)) for d in (-3600, 0)])
        for p in f["points"]:
            self.assertLessEqual(p["q10"], p["q50"])
            self.assertLessEqual(p["q50"], p["q90"])
        by_hour = {int(p["at"][11:13]): p["q50"] for p in f["points"]}
        self.assertGreater(by_hour[12], by_hour[4] + 1, "the lunch peak is learnt")
        start = f["points"][0]["at"]
        one = self.forecast("zone=%s&from=%s&to=%s" % (zone, start, start)).json
        self.assertEqual(len(one["points"]), 1)
        self.assertEqual(one["points"][0], f["points"][0])
        r = self.forecast("zone=%s&from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z" % zone, 400)
        self.assertIn("outside the forecastable", r.json["detail"])
        # A zone the model has not seen.
        other = h.World(C, ADMIN)
        self.forecast("zone=" + other.zone["id"], 404)

        plan = C.get("/v1/staffing/plan?zone=%s&date=%s" % (zone, tomorrow), token=ADMIN)
        self.assertEqual(plan.status, 200, plan)
        p = plan.json
        self.assertEqual(p["date"], tomorrow)
        self.assertEqual(len(p["hours"]), 24)
        self.assertEqual(p["orders_per_courier_hour"]["source"], "config", "no measured deliveries")
        self.assertEqual(p["orders_per_courier_hour"]["value"], 2.5)
        for hour in p["hours"]:
            self.assertGreaterEqual(hour["on_duty"], hour["couriers"])
        self.assertGreaterEqual(p["courier_hours"], p["courier_hours_needed"])
        self.assertEqual(sum(s["couriers"] * s["length_hours"] for s in p["shifts"]), p["courier_hours"])
        peak = max(hr["couriers"] for hr in p["hours"])
        self.assertGreater(peak, 0)
        past = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 2 * 86400))
        r = C.get("/v1/staffing/plan?zone=%s&date=%s" % (zone, past), token=ADMIN)
        self.assertEqual(r.status, 400, r)
        self.assertIn("date", h.problem_fields(r))

        # The fee desk now sees the forecast of the zone's current hour.
        fee = zone_fee(w)
        self.assertIsNotNone(fee["breakdown"]["forecast"])
        self.assertGreaterEqual(fee["breakdown"]["forecast"]["orders_per_hour"], 0)

    def test_bad_parameters_and_roles(self):
        zone = self.w.zone["id"]
        for query, field in (("", "zone"), ("zone=", "zone"), ("zone=%s&from=yesterday" % zone, "from"),
                             ("zone=%s&to=2026-13-01T00:00:00Z" % zone, "to"),
                             ("zone=%s&from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z" % zone, "to")):
            r = self.forecast(query, 400)
            self.assertIn(field, h.problem_fields(r), query)
        self.forecast("zone=zon_nope", 404)
        for query, field in (("zone=%s" % zone, "date"), ("zone=%s&date=2026-02-30" % zone, "date"),
                             ("zone=%s&date=tomorrow" % zone, "date"), ("date=2026-12-06", "zone")):
            r = C.get("/v1/staffing/plan?" + query, token=ADMIN)
            self.assertEqual(r.status, 400, (query, r))
            self.assertIn(field, h.problem_fields(r), query)
        self.assertEqual(C.get("/v1/staffing/plan?zone=zon_nope&date=2026-12-06", token=ADMIN).status, 404)
        r = C.post("/v1/forecast/retrain", {"force": True}, token=ADMIN)
        self.assertEqual(r.status, 400, r)
        for method, path in (("GET", "/v1/forecast?zone=" + zone), ("POST", "/v1/forecast/retrain"),
                             ("GET", "/v1/staffing/plan?zone=%s&date=2026-12-06" % zone)):
            self.assertEqual(C.request(method, path, token=self.w.customer_token).status, 403, path)
            self.assertEqual(C.request(method, path).status, 401, path)


if __name__ == "__main__":
    unittest.main(verbosity=2)
