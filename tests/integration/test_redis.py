"""Redis as the shared cache of several api processes (two `hotpath serve` processes, roles primary
and api, on one data directory and one throwaway redis-server):

- cache-aside with invalidation: a menu edit, a new restaurant or an order action made through one
  process is seen by the next read on the other, at once (no wait, no stale read);
- pub/sub: with the outbox poll set to ten minutes, a live subscriber on one process still gets the
  events committed by the other at once;
- logout: a token revoked through one process is refused by the other at once, and still after
  Redis lost its copy of the revocation list;
- rate limits: one token bucket per user and per client address for both processes, 429
  problem+json with Retry-After;
- TLS: a rediss:// cache URL (a throwaway CA) works like redis://;
- resilience: redis-server paused and then killed and restarted mid-run while a client keeps
  reading and ordering: no request fails, failures are counted in hotpath_cache_errors_total, the
  cache is used again once Redis is back, and an edit made during the outage is never followed by
  the old menu."""

import os
import re
import shutil
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402
import redis_harness  # noqa: E402

ADMIN_EMAIL = "root@redis.hotpath.dev"


def metric(client, name, labels=""):
    """The value of one series on /metrics (0 when absent)."""
    text = client.get("/metrics").text
    m = re.search(r"^%s%s (\S+)$" % (re.escape(name), re.escape(labels)), text, re.M)
    return float(m.group(1)) if m else 0.0


def start_pair(redis, db, env=None):
    """Processes of roles primary and api on one fresh data directory, sharing Redis database `db`."""
    data_dir = tempfile.mkdtemp(prefix="hotpath-redis-test-")
    h.use_cache(data_dir, redis.url(db))
    h.create_user_offline(data_dir, ADMIN_EMAIL, h.PASSWORD, "Root", "admin")
    common = dict(env or {})
    common.setdefault("HOTPATH_DISPATCH_MODE", "nearest")
    primary = h.Server(data_dir=data_dir, env=dict(common, HOTPATH_ROLE="primary"))
    api = h.Server(data_dir=data_dir, env=dict(common, HOTPATH_ROLE="api"))
    primary.start()
    api.start()
    return primary, api


def setUpModule():
    global REDIS, P, A, CP, CA, ADMIN
    REDIS = redis_harness.RedisServer().start()
    # Outbox polled every ten minutes: only pub/sub can deliver another process's events quickly.
    P, A = start_pair(REDIS, 1, {"HOTPATH_OUTBOX_POLL_MS": "600000"})
    CP, CA = P.client(), A.client()
    ADMIN, _ = h.login(CP, ADMIN_EMAIL, h.PASSWORD)


def stop_pair(primary, api):
    for s in (api, primary):
        s.cleanup()
    shutil.rmtree(primary.data_dir, ignore_errors=True)  # start_pair made it: the servers do not own it


def tearDownModule():
    stop_pair(P, A)
    REDIS.stop()


def price_of(client, rid, item_id):
    r = client.get("/v1/restaurants/%s/menu" % rid)
    assert r.status == 200, r
    return [i for i in r.json["items"] if i["id"] == item_id][0]["price"]["amount"]


class CacheAcrossProcesses(unittest.TestCase):
    def test_a_menu_edit_is_never_followed_by_a_stale_read_on_the_other_process(self):
        world = h.World(CP, ADMIN)
        item = world.items[0]
        hits = metric(CA, "hotpath_cache_requests_total", '{result="hit"}')
        self.assertEqual(price_of(CA, world.rid, item["id"]), item["price"]["amount"])
        self.assertEqual(price_of(CA, world.rid, item["id"]), item["price"]["amount"])
        self.assertGreater(metric(CA, "hotpath_cache_requests_total", '{result="hit"}'), hits)
        for i in range(20):  # edits through either process, each read at once through the other
            writer, reader = (CP, CA) if i % 2 == 0 else (CA, CP)
            self.assertEqual(price_of(reader, world.rid, item["id"]), 1000 + i - 1 if i else item["price"]["amount"])
            r = writer.patch("/v1/restaurants/%s/items/%s" % (world.rid, item["id"]),
                             {"price": {"amount": 1000 + i, "currency": "USD"}}, token=world.staff_token)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(price_of(reader, world.rid, item["id"]), 1000 + i)
        # A new item too.
        r = CA.post("/v1/restaurants/%s/items" % world.rid, {"name": "Shake", "price": {"amount": 550, "currency": "USD"}},
                    token=world.staff_token)
        self.assertEqual(r.status, 201, r)
        self.assertIn("Shake", [i["name"] for i in CP.get("/v1/restaurants/%s/menu" % world.rid).json["items"]])
        self.assertEqual(CA.get("/v1/restaurants/rst_nosuchrestaurant/menu").status, 404)

    def test_a_process_that_starts_keeps_the_shared_cache_and_menus_carry_an_etag(self):
        world = h.World(CP, ADMIN)
        menu = "/v1/restaurants/%s/menu" % world.rid
        self.assertEqual(CA.get(menu).status, 200)
        version = REDIS.command("GET", "hp:v:menu:" + world.rid, db=1)
        self.assertTrue(version)
        self.assertTrue(REDIS.command("EXISTS", "hp:d:menu:" + world.rid, db=1))
        # Scaling out: a third process on the same database and Redis.
        third = h.Server(data_dir=P.data_dir, env={"HOTPATH_ROLE": "api", "HOTPATH_DISPATCH_MODE": "nearest",
                                                   "HOTPATH_OUTBOX_POLL_MS": "600000"})
        third.start()
        try:
            c3 = third.client()
            self.assertEqual(REDIS.command("GET", "hp:v:menu:" + world.rid, db=1), version)
            r = c3.get(menu)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(metric(c3, "hotpath_cache_requests_total", '{result="miss"}'), 0)  # read what A cached
            self.assertEqual(metric(c3, "hotpath_cache_requests_total", '{result="hit"}'), 1)
            etag = r.header("etag")
            self.assertTrue(etag and etag.startswith('"'), r.headers)
            self.assertEqual(CA.get(menu).header("etag"), etag)  # the same bytes, the same tag everywhere
            r = c3.get(menu, headers={"If-None-Match": etag})
            self.assertEqual(r.status, 304, r)
            self.assertEqual(r.header("etag"), etag)
            self.assertEqual(c3.get(menu).status, 200)
            self.assertEqual(metric(c3, "hotpath_cache_requests_total", '{result="miss"}'), 0)  # served from its near copy
            item = world.items[0]
            r = CP.patch("/v1/restaurants/%s/items/%s" % (world.rid, item["id"]),
                         {"price": {"amount": 4321, "currency": "USD"}}, token=world.staff_token)
            self.assertEqual(r.status, 200, r)
            r = c3.get(menu, headers={"If-None-Match": etag})  # the edit returned: never the old menu
            self.assertEqual(r.status, 200, r)
            self.assertNotEqual(r.header("etag"), etag)
            self.assertEqual([i for i in r.json["items"] if i["id"] == item["id"]][0]["price"]["amount"], 4321)
        finally:
            third.cleanup()

    def test_a_new_restaurant_is_listed_at_once_by_the_other_process(self):
        world = h.World(CP, ADMIN)
        q = "/v1/restaurants?lat=%f&lon=%f&radius_m=5000" % (world.location["lat"], world.location["lon"])
        before = [r["id"] for r in CA.get(q).json["items"]]
        self.assertEqual(before, [world.rid])
        self.assertEqual([r["id"] for r in CA.get(q).json["items"]], before)  # now cached
        r = CP.post("/v1/restaurants", {"name": "Next Door", "location": {"lat": world.location["lat"] + 0.001,
                                                                         "lon": world.location["lon"]}}, token=ADMIN)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(sorted(x["id"] for x in CA.get(q).json["items"]), sorted([world.rid, r.json["id"]]))

    def test_an_orders_status_is_fresh_after_every_action_and_shown_only_to_its_parties(self):
        world = h.World(CP, ADMIN)
        order = world.place_ok()
        oid = order["id"]
        get = lambda c, tok=None: c.get("/v1/orders/" + oid, token=tok or world.customer_token)
        self.assertEqual(get(CA).json["status"], "placed")
        self.assertEqual(get(CA).json["status"], "placed")
        self.assertEqual(CP.post("/v1/orders/%s/accept" % oid, {"prep_minutes": 5}, token=world.staff_token).status, 200)
        self.assertEqual(get(CA).json["status"], "accepted")
        self.assertEqual(CA.post("/v1/orders/%s/ready" % oid, None, token=world.staff_token).status, 200)
        self.assertEqual(get(CP).json["status"], "ready")
        self.assertEqual(get(CA, world.staff_token).json["status"], "ready")
        stranger, _ = h.signup(CA)
        self.assertEqual(get(CA, stranger).status, get(CP, stranger).status)
        self.assertIn(get(CA, stranger).status, (403, 404))
        self.assertEqual(get(CA).json, get(CP).json)


class LiveAcrossProcessesByPubSub(unittest.TestCase):
    def test_events_committed_on_one_process_reach_subscribers_on_the_other_at_once(self):
        world = h.World(CP, ADMIN)
        oid = world.place_ok()["id"]
        sse = h.SseStream("127.0.0.1", A.port, "/v1/orders/%s/events" % oid, world.customer_token, timeout=20)
        self.assertEqual(sse.status, 200)
        self.assertEqual(sse.next_event()["event"], "order.placed")  # the replay
        ws = h.WebSocket("127.0.0.1", P.port, "/v1/ws?access_token=" + world.customer_token, timeout=20)
        ws.send_json({"type": "subscribe", "order_id": oid})
        self.assertEqual(ws.recv_json()["type"], "subscribed")
        # Accepted through the primary: the api process's subscriber hears it by pub/sub.
        self.assertEqual(CP.post("/v1/orders/%s/accept" % oid, {"prep_minutes": 5}, token=world.staff_token).status, 200)
        self.assertEqual(sse.next_event()["event"], "order.accepted")
        # Ready through the api process: the primary's WebSocket subscriber hears it.
        self.assertEqual(CA.post("/v1/orders/%s/ready" % oid, None, token=world.staff_token).status, 200)
        self.assertEqual(sse.next_event()["event"], "order.ready")
        got = []
        while len(got) < 3:
            msg = ws.recv_json()
            if msg.get("type") == "event":
                got.append(msg["event"]["type"])
        self.assertEqual(got, ["order.placed", "order.accepted", "order.ready"])
        sse.close()
        ws.close()


class LogoutAcrossProcesses(unittest.TestCase):
    def test_a_token_revoked_through_one_process_is_refused_by_the_other_even_after_redis_lost_it(self):
        token, _ = h.signup(CP)
        keep, _ = h.signup(CA)
        self.assertEqual(CP.get("/v1/users/me", token=token).status, 200)
        self.assertEqual(CA.get("/v1/users/me", token=token).status, 200)
        self.assertEqual(CA.post("/v1/auth/logout", None, token=token).status, 204)
        self.assertEqual(CP.get("/v1/users/me", token=token).status, 401)
        self.assertEqual(CA.get("/v1/users/me", token=token).status, 401)
        self.assertEqual(REDIS.command("FLUSHDB", db=1), "OK")  # as after a restart: the list is gone from Redis
        self.assertEqual(CP.get("/v1/users/me", token=token).status, 401)  # reloaded from the database
        self.assertEqual(CA.get("/v1/users/me", token=token).status, 401)
        self.assertEqual(CP.get("/v1/users/me", token=keep).status, 200)


class RateLimits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # One token per 20 s per user (burst 5) and per address (burst 8): nothing refills during the test.
        cls.p, cls.a = start_pair(REDIS, 2, {"HOTPATH_RATE_LIMIT_USER_PER_S": "0.05", "HOTPATH_RATE_LIMIT_USER_BURST": "5",
                                             "HOTPATH_RATE_LIMIT_IP_PER_S": "0.05", "HOTPATH_RATE_LIMIT_IP_BURST": "8"})
        cls.cp, cls.ca = cls.p.client(), cls.a.client()

    @classmethod
    def tearDownClass(cls):
        stop_pair(cls.p, cls.a)

    def test_a_users_bucket_is_shared_by_both_processes(self):
        via = {"X-Forwarded-For": "10.1.0.1"}
        token, _ = h.signup(self.cp)  # from 127.0.0.1: that address's bucket, not the user's
        other, _ = h.signup(self.cp)
        statuses = [(self.cp if i % 2 else self.ca).get("/v1/users/me", token=token, headers=via).status
                    for i in range(5)]
        self.assertEqual(statuses, [200] * 5)
        r = self.cp.get("/v1/users/me", token=token, headers=via)
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.header("content-type"), "application/problem+json")
        self.assertTrue(r.json["type"].endswith("/rate-limited"), r.json)
        self.assertEqual(r.json["status"], 429)
        self.assertGreaterEqual(int(r.header("retry-after")), 1)
        self.assertEqual(self.ca.get("/v1/users/me", token=token, headers=via).status, 429)
        self.assertEqual(self.ca.get("/v1/users/me", token=other, headers=via).status, 200)  # its own bucket
        self.assertEqual(self.ca.get("/healthz").status, 200)  # probes and metrics are never limited
        self.assertGreaterEqual(metric(self.ca, "hotpath_rate_limited_total") + metric(self.cp, "hotpath_rate_limited_total"), 2)

    def test_a_client_address_is_limited_across_both_processes(self):
        via = {"X-Forwarded-For": "198.51.100.7, 10.1.0.2"}  # the address the local proxy appended last
        statuses = [(self.cp if i % 2 else self.ca).get("/v1/zones", headers=via).status for i in range(10)]
        self.assertEqual(statuses, [200] * 8 + [429] * 2)
        self.assertEqual(self.cp.get("/v1/zones", headers={"X-Forwarded-For": "10.1.0.3"}).status, 200)


class Tls(unittest.TestCase):
    def test_a_rediss_url_caches_over_tls(self):
        redis = redis_harness.RedisServer(tls=True).start()
        server = None
        try:
            server = h.Server(env={"HOTPATH_CACHE_URL": redis.url(0)})
            h.create_user_offline(server.data_dir, ADMIN_EMAIL, h.PASSWORD, "Root", "admin")
            server.start()
            client = server.client()
            admin, _ = h.login(client, ADMIN_EMAIL, h.PASSWORD)
            world = h.World(client, admin)
            for _ in range(3):
                self.assertEqual(client.get("/v1/restaurants/%s/menu" % world.rid).status, 200)
            self.assertGreaterEqual(metric(client, "hotpath_cache_requests_total", '{result="hit"}'), 2)
            self.assertEqual(metric(client, "hotpath_cache_errors_total"), 0)
            self.assertTrue(redis.command("EXISTS", "hp:d:menu:" + world.rid))
        finally:
            if server is not None:
                server.cleanup()
            redis.stop()


class Resilience(unittest.TestCase):
    def test_redis_paused_then_killed_and_restarted_mid_run_fails_no_request(self):
        redis = redis_harness.RedisServer().start()
        server, client, admin = None, None, None
        try:
            server = h.Server(env={"HOTPATH_CACHE_URL": redis.url(0), "HOTPATH_CACHE_TIMEOUT_MS": "100",
                                   "HOTPATH_RATE_LIMIT_USER_PER_S": "100000"})
            h.create_user_offline(server.data_dir, ADMIN_EMAIL, h.PASSWORD, "Root", "admin")
            server.start()
            client = server.client()
            admin, _ = h.login(client, ADMIN_EMAIL, h.PASSWORD)
            world = h.World(client, admin)
            item = world.items[0]
            oid = world.place_ok()["id"]
            stop = threading.Event()
            failures, served = [], [0]

            def traffic():
                c = server.client()
                i = 0
                while not stop.is_set():
                    i += 1
                    calls = [("GET", "/v1/restaurants/%s/menu" % world.rid, None, None),
                             ("GET", "/v1/orders/" + oid, None, world.customer_token),
                             ("GET", "/v1/restaurants?lat=%f&lon=%f" % (world.location["lat"], world.location["lon"]),
                              None, None),
                             ("GET", "/v1/users/me", None, world.customer_token)]
                    if i % 10 == 0:
                        calls.append(("POST", "/v1/orders", world.order_body(), world.customer_token))
                    for method, path, body, tok in calls:
                        try:
                            r = c.request(method, path, body=body, token=tok,
                                          headers={"Idempotency-Key": h.unique("k")} if method == "POST" else None)
                            if r.status >= 400:
                                failures.append((path, r.status, r.text[:200]))
                        except Exception as e:  # noqa: BLE001 - every failure is reported
                            failures.append((path, "exception", repr(e)))
                        served[0] += 1

            worker = threading.Thread(target=traffic)
            worker.start()
            try:
                h.wait_for(lambda: metric(client, "hotpath_cache_requests_total", '{result="hit"}') > 20, timeout=30,
                           what="cache hits")

                def edit(price):
                    r = client.patch("/v1/restaurants/%s/items/%s" % (world.rid, item["id"]),
                                     {"price": {"amount": price, "currency": "USD"}}, token=world.staff_token)
                    self.assertEqual(r.status, 200, r)

                # 1. Paused (a partition: Redis keeps its data, the old menu included).
                redis.pause()
                h.wait_for(lambda: metric(client, "hotpath_cache_up") == 0, timeout=30, what="the cache marked down")
                edit(2001)
                self.assertEqual(price_of(client, world.rid, item["id"]), 2001)
                mark = served[0]
                h.wait_for(lambda: served[0] > mark + 20, timeout=30, what="traffic during the pause")
                redis.resume()
                h.wait_for(lambda: metric(client, "hotpath_cache_up") == 1, timeout=30, what="the cache back")
                self.assertEqual(price_of(client, world.rid, item["id"]), 2001)  # never the menu Redis still held
                hits = metric(client, "hotpath_cache_requests_total", '{result="hit"}')
                h.wait_for(lambda: metric(client, "hotpath_cache_requests_total", '{result="hit"}') > hits + 20,
                           timeout=30, what="cache hits after the pause")
                # 2. Killed and restarted (empty) on the same port.
                redis.kill()
                h.wait_for(lambda: metric(client, "hotpath_cache_up") == 0, timeout=30, what="the cache marked down")
                edit(2002)
                mark = served[0]
                h.wait_for(lambda: served[0] > mark + 20, timeout=30, what="traffic while Redis is down")
                redis.restart()
                h.wait_for(lambda: metric(client, "hotpath_cache_up") == 1, timeout=30, what="the cache back")
                self.assertEqual(price_of(client, world.rid, item["id"]), 2002)
                hits = metric(client, "hotpath_cache_requests_total", '{result="hit"}')
                h.wait_for(lambda: metric(client, "hotpath_cache_requests_total", '{result="hit"}') > hits + 20,
                           timeout=30, what="cache hits after the restart")
            finally:
                stop.set()
                worker.join(timeout=60)
            self.assertEqual(failures, [])
            self.assertGreater(metric(client, "hotpath_cache_errors_total"), 0)
            self.assertGreater(served[0], 100)
        finally:
            if server is not None:
                server.cleanup()
            redis.stop()


if __name__ == "__main__":
    unittest.main()
