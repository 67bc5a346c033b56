"""The functions runtime seen from outside: notify (webhooks signed with HMAC-SHA256, email over
SMTP, FCM-style push) delivering every order change to the local sinks this test starts, a
webhook endpoint down for a while receiving everything once back, poison events going to the
dead-letter topic without stopping their partition, `hotpath functions list|replay-dlq`, alarm
notifications, and GET /v1/analytics/zones/{id}."""

import datetime
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402
import db_peek  # noqa: E402
import sinks  # noqa: E402

ADMIN_EMAIL = "root@test.hotpath.dev"
ALARM_SECRET = "alarm-secret-0123456789"
ORDER_FLOW = ["order.placed", "order.accepted", "order.rider_assigned", "order.ready", "order.picked_up",
              "order.delivered"]


def server_args():
    return h.NEAREST + [
        "--notify-smtp-url", "smtp://127.0.0.1:%d" % SMTP.port,
        "--notify-push-url", HTTP.url("/push"), "--notify-push-key", "push-key-1",
        "--notify-alarm-secret", ALARM_SECRET,
        # Short, capped backoffs so an outage of seconds is enough to exercise the retries.
        "--notify-retry-initial-ms", "100", "--notify-retry-max-ms", "400",
        "--function-backoff-initial-ms", "20", "--function-backoff-max-ms", "80", "--function-max-attempts", "3"]


def setUpModule():
    global SERVER, C, ADMIN, HTTP, SMTP
    HTTP = sinks.HttpSink()
    SMTP = sinks.SmtpSink()
    SERVER, C, ADMIN = h.start_with_admin(ADMIN_EMAIL, server_args())


def tearDownModule():
    SERVER.cleanup()
    HTTP.close()
    SMTP.close()


def cli(*args, stdin=None):
    return subprocess.run([h.BIN] + list(args), capture_output=True, text=True, timeout=120,
                          env=h.child_env(SERVER.data_dir), input=stdin)


def add_channel(token, body):
    r = C.post("/v1/me/notification-channels", body, token=token)
    assert r.status == 201, r
    return r.json


def run_order(w):
    oid = w.place_ok()["id"]
    assert w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status == 200
    o = w.wait_rider(oid)
    assert w.act(oid, "ready", w.staff_token).status == 200
    rider = w.rider_token(o["rider_id"])
    assert w.act(oid, "pickup", rider).status == 200
    assert w.act(oid, "deliver", rider).status == 200
    return oid, o["rider_id"]


def events_for(path, oid):
    return [body["type"] for _, body in HTTP.received(path) if body.get("subject") == oid]


def reconnect():
    SERVER.start()
    global C
    C = SERVER.client()


class Channels(unittest.TestCase):
    def test_channels_are_validated_listed_without_secret_and_removable(self):
        w = h.World(C, ADMIN)
        tok = w.customer_token
        self.assertEqual(C.get("/v1/me/notification-channels").status, 401)
        bad = C.post("/v1/me/notification-channels", {"kind": "webhook", "target": "ftp://x", "secret": "s"},
                     token=tok)
        self.assertEqual(bad.status, 400)
        self.assertEqual(h.problem_fields(bad), {"target", "secret"})
        self.assertEqual(h.problem_fields(C.post("/v1/me/notification-channels", {"kind": "sms", "target": "1"},
                                                 token=tok)), {"kind"})
        self.assertEqual(h.problem_fields(C.post("/v1/me/notification-channels", {"kind": "email"}, token=tok)),
                         {"target"})
        ch = add_channel(tok, {"kind": "webhook", "target": "https://example.test/h", "secret": "x" * 20})
        self.assertNotIn("secret", ch)
        listed = C.get("/v1/me/notification-channels", token=tok).json["items"]
        self.assertEqual([c["id"] for c in listed], [ch["id"]])
        self.assertNotIn("secret", listed[0])
        # someone else's channel is not yours to delete
        self.assertEqual(C.request("DELETE", "/v1/me/notification-channels/" + ch["id"], token=w.staff_token).status,
                         404)
        self.assertEqual(C.request("DELETE", "/v1/me/notification-channels/" + ch["id"], token=tok).status, 204)
        self.assertEqual(C.get("/v1/me/notification-channels", token=tok).json["items"], [])


class Notify(unittest.TestCase):
    def test_everyone_concerned_hears_every_change_once_on_their_channels(self):
        w = h.World(C, ADMIN, riders=1)
        add_channel(w.customer_token, {"kind": "webhook", "target": HTTP.hook("cust", "customer-secret-123"),
                                       "secret": "customer-secret-123"})
        email = h.unique("cust") + "@mail.test"
        add_channel(w.customer_token, {"kind": "email", "target": email})
        add_channel(w.staff_token, {"kind": "push", "target": "device-token-staff"})
        rider_tok, rider_user, _ = w.riders[0]
        add_channel(rider_tok, {"kind": "webhook", "target": HTTP.hook("rider", "rider-secret-12345"),
                                "secret": "rider-secret-12345"})
        oid, _ = run_order(w)
        h.wait_for(lambda: events_for("/hook/cust", oid) == ORDER_FLOW, timeout=20,
                   what="the customer's webhooks")
        h.wait_for(lambda: len(SMTP.to(email)) == len(ORDER_FLOW), timeout=20, what="the customer's emails")
        pushes = h.wait_for(lambda: (lambda p: p if len(p) == len(ORDER_FLOW) else None)(
            [b for _, b in HTTP.received("/push") if b["data"].get("subject") == oid]), timeout=20,
            what="the restaurant's pushes")
        self.assertTrue(all(p["to"] == "device-token-staff" for p in pushes))
        self.assertEqual([p["data"]["type"] for p in pushes], ORDER_FLOW)
        # The rider hears from the moment they are on the order.
        h.wait_for(lambda: events_for("/hook/rider", oid) == ORDER_FLOW[2:], timeout=20, what="the rider's webhooks")
        self.assertEqual(HTTP.bad_signatures, [])
        self.assertEqual(HTTP.duplicates(), {})
        self.assertEqual(SMTP.duplicates(), {})
        self.assertIn("Subject: Order %s: delivered" % oid, "\n".join(SMTP.to(email)))

    def test_a_webhook_down_for_a_while_receives_every_notification_once_back(self):
        w = h.World(C, ADMIN, riders=2)
        add_channel(w.customer_token, {"kind": "webhook", "target": HTTP.hook("outage", "outage-secret-1234"),
                                       "secret": "outage-secret-1234"})
        HTTP.down = True
        try:
            oids = [w.place_ok()["id"] for _ in range(5)]
            # Several refused attempts (retries with backoff) before the endpoint comes back.
            h.wait_for(lambda: HTTP.refused >= 10, timeout=20, what="retries against the down endpoint")
        finally:
            HTTP.down = False
        for oid in oids:
            h.wait_for(lambda: events_for("/hook/outage", oid) == ["order.placed"], timeout=20,
                       what="the notification of " + oid)
        self.assertEqual(HTTP.duplicates(), {})


    def test_one_channel_hears_each_order_in_order_while_other_orders_go_ahead(self):
        # The endpoint holds the first order's first notification: that order's next change must wait
        # behind it (in order), while another order's notification on the same channel goes ahead.
        w = h.World(C, ADMIN, riders=2)
        add_channel(w.customer_token, {"kind": "webhook", "target": HTTP.hook("slow", "slow-secret-123456"),
                                       "secret": "slow-secret-123456"})
        HTTP.hold("/hook/slow")
        try:
            first = w.place_ok()["id"]
            h.wait_for(lambda: HTTP.waiting("/hook/slow") == 1, timeout=20, what="the held notification")
            self.assertEqual(w.act(first, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)
            second = w.place_ok()["id"]  # committed after the first order's acceptance
            # The second order's notification arrives while the first order's is still held ...
            h.wait_for(lambda: HTTP.waiting("/hook/slow") == 2, timeout=20,
                       what="the second order's notification sent beside the held one")
            # ... and the first order's acceptance (older than it) was not sent beside its own placement.
            self.assertEqual(HTTP.held_requests("/hook/slow"), [(first, "order.placed"), (second, "order.placed")])
        finally:
            HTTP.release("/hook/slow")
        h.wait_for(lambda: events_for("/hook/slow", second) == ["order.placed"], timeout=20,
                   what="the second order's notification")
        h.wait_for(lambda: events_for("/hook/slow", first)[:2] == ["order.placed", "order.accepted"], timeout=20,
                   what="the first order's notifications, in order")
        self.assertEqual(HTTP.duplicates(), {})


class DeadLetters(unittest.TestCase):
    def test_poison_events_are_dead_lettered_after_retries_without_stopping_the_partition(self):
        w = h.World(C, ADMIN)
        add_channel(w.customer_token, {"kind": "webhook", "target": HTTP.hook("poison", "poison-secret-1234"),
                                       "secret": "poison-secret-1234"})
        first = w.place_ok()["id"]
        h.wait_for(lambda: events_for("/hook/poison", first), timeout=20, what="the first notification")
        SERVER.stop()
        # Poison on the same partition as the next order's events: the order id is the key.
        unknown = json.dumps({"specversion": "1.0", "id": "evt_poison_type", "source": "/test", "type": "order.teleported",
                              "subject": first, "time": "2026-11-25T10:00:00Z",
                              "dataschema": "https://hotpath.dev/schemas/order-event/v1", "data": {}})
        out = cli("events", "publish", "--topic", "orders", "--key", first, "--data-dir", SERVER.data_dir,
                  stdin="{not json\n" + unknown + "\n")
        self.assertEqual(out.returncode, 0, out.stderr)
        # a second publisher is refused while a server holds the log
        reconnect()
        busy = cli("events", "publish", "--topic", "orders", "--data-dir", SERVER.data_dir, stdin="x\n")
        self.assertNotEqual(busy.returncode, 0)
        self.assertIn("events publish", busy.stderr)
        # The partition moves on: a later event with the same key is handled.
        r = C.post("/v1/orders/%s/cancel" % first, {"reason": "changed my mind"}, token=w.customer_token)
        self.assertEqual(r.status, 200, r)
        h.wait_for(lambda: events_for("/hook/poison", first) == ["order.placed", "order.cancelled"], timeout=30,
                   what="the event behind the poison")

        def dead(fn):
            out = cli("events", "tail", "--topic", "dlq." + fn, "--from-beginning", "--no-follow",
                      "--data-dir", SERVER.data_dir)
            assert out.returncode == 0, out.stderr
            return [json.loads(x) for x in out.stdout.splitlines()]
        for fn in ("notify", "order-status", "analytics"):
            letters = h.wait_for(lambda: (lambda d: d if len(d) >= 2 else None)(dead(fn)), timeout=20,
                                 what="dead letters of " + fn)
            self.assertEqual(len(letters), 2, letters)
            self.assertEqual(letters[0]["value"], "{not json")
            self.assertIn("not a valid CloudEvent", letters[0]["error"])
            self.assertIn("order.teleported", letters[1]["error"])
            self.assertEqual(letters[1]["attempts"], 3)

        listed = cli("functions", "list", "--data-dir", SERVER.data_dir)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        rows = {line.split()[0]: line.split() for line in listed.stdout.splitlines()[1:]}
        self.assertEqual(set(rows), {"notify", "order-status", "analytics"})
        self.assertEqual(rows["notify"][6], "2")  # DEAD_LETTERS
        # Re-driving the dead letters: they fail again (still poison), so they are dead-lettered again.
        replay = cli("functions", "replay-dlq", "analytics", "--data-dir", SERVER.data_dir)
        self.assertEqual(replay.returncode, 0, replay.stderr)
        self.assertIn("replayed 2 dead letter(s) of analytics", replay.stdout)
        h.wait_for(lambda: len(dead("analytics")) == 4, timeout=20, what="the re-dead-lettered events")
        again = cli("functions", "replay-dlq", "analytics", "--data-dir", SERVER.data_dir)
        self.assertIn("replayed 2 dead letter(s)", again.stdout)  # only the new ones, once each
        nope = cli("functions", "replay-dlq", "nope", "--data-dir", SERVER.data_dir)
        self.assertEqual(nope.returncode, 2)
        self.assertIn("no function named 'nope'", nope.stderr)

    def test_alarm_state_changes_reach_the_admins_channels(self):
        add_channel(ADMIN, {"kind": "webhook", "target": HTTP.hook("admin", "admin-secret-12345"),
                            "secret": "admin-secret-12345"})
        SERVER.stop()
        alarm = json.dumps({"specversion": "1.0", "id": h.unique("evt_alarm"), "source": "/hotpath/alarms",
                            "type": "alarm.state_changed", "subject": "high-latency",
                            "time": "2026-11-25T10:00:00Z", "dataschema": "https://hotpath.dev/schemas/alarm/v1",
                            "data": {"alarm": "high-latency", "old_state": "OK", "new_state": "ALARM",
                                     "notify": [HTTP.hook("alarmtarget", ALARM_SECRET), "mailto:oncall@ops.test"]}})
        out = cli("events", "publish", "--topic", "notifications", "--key", "high-latency",
                  "--data-dir", SERVER.data_dir, stdin=alarm + "\n")
        self.assertEqual(out.returncode, 0, out.stderr)
        reconnect()
        got = h.wait_for(lambda: [b for _, b in HTTP.received("/hook/admin") if b["type"] == "alarm.state_changed"],
                         timeout=20, what="the alarm notification")
        self.assertEqual(got[0]["data"]["new_state"], "ALARM")
        # ... and to the alarm's own targets: a signed webhook and an email.
        h.wait_for(lambda: [b for _, b in HTTP.received("/hook/alarmtarget") if b["type"] == "alarm.state_changed"],
                   timeout=20, what="the alarm's webhook target")
        mail = h.wait_for(lambda: SMTP.to("oncall@ops.test"), timeout=20, what="the alarm's email target")
        self.assertIn("Subject: Alarm high-latency is ALARM", mail[0])
        self.assertEqual(HTTP.bad_signatures, [])


class Analytics(unittest.TestCase):
    def test_zone_report_counts_orders_and_click_to_door(self):
        w = h.World(C, ADMIN, riders=2)
        start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
        run_order(w)
        run_order(w)
        cancelled = w.place_ok()["id"]
        self.assertEqual(C.post("/v1/orders/%s/cancel" % cancelled, {"reason": "x"}, token=w.customer_token).status,
                         200)
        frm = start.strftime("%Y-%m-%dT%H:%M:00Z")
        to = (start + datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:00Z")
        path = "/v1/analytics/zones/%s?from=%s&to=%s" % (w.zone["id"], frm, to)

        def report():
            r = C.get(path, token=ADMIN)
            assert r.status == 200, r
            t = r.json["totals"]
            return r.json if (t["placed"], t["delivered"], t["cancelled"]) == (3, 2, 1) else None
        rep = h.wait_for(report, timeout=20, what="the analytics totals")
        self.assertEqual(rep["zone_id"], w.zone["id"])
        self.assertEqual(rep["from"][:16], frm[:16])
        ctd = rep["totals"]["click_to_door_minutes"]
        self.assertEqual(ctd["count"], 2)
        self.assertGreaterEqual(ctd["p90"], ctd["p50"])
        self.assertGreaterEqual(ctd["mean"], 0)
        self.assertLess(ctd["mean"], 5)
        self.assertEqual(sum(m["placed"] for m in rep["minutes"]), 3)
        self.assertTrue(all(m["at"].endswith(":00.000Z") or m["at"].endswith(":00Z") for m in rep["minutes"]))
        # errors
        self.assertEqual(C.get(path, token=w.customer_token).status, 403)
        self.assertEqual(C.get(path).status, 401)
        bad = C.get("/v1/analytics/zones/%s?from=yesterday&to=%s" % (w.zone["id"], to), token=ADMIN)
        self.assertEqual(bad.status, 400)
        self.assertEqual(h.problem_fields(bad), {"from"})
        self.assertEqual(h.problem_fields(C.get("/v1/analytics/zones/%s?from=%s" % (w.zone["id"], frm), token=ADMIN)),
                         {"to"})
        self.assertEqual(C.get("/v1/analytics/zones/%s?from=%s&to=%s" % (w.zone["id"], to, frm), token=ADMIN).status,
                         400)
        self.assertEqual(C.get("/v1/analytics/zones/zone_nope?from=%s&to=%s" % (frm, to), token=ADMIN).status, 404)
        # the order-status cache holds the latest status of each order
        row = h.wait_for(lambda: db_peek.rows(SERVER.data_dir, "SELECT status FROM order_status_cache WHERE order_id = '%s'"
                                              % cancelled), timeout=20, what="the cached status")[0]
        self.assertEqual(row[0], "cancelled")


if __name__ == "__main__":
    unittest.main(verbosity=2)
