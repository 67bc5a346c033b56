"""Alarms over the API and the config file: validation, admin only, an alarm that fires and clears
on traffic the test drives (period 1 s), its history, the alarm.state_changed CloudEvents on the
notifications topic, persistence across a restart, config alarms read-only, the console's files
and its live WebSocket; a lag alarm that fires when an operator pauses a function (its webhook
delivered) and clears once the function is resumed; the functions API and its errors."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402
import sinks  # noqa: E402

REPO = os.path.join(os.path.dirname(__file__), "..", "..")
EXAMPLE = os.path.join(REPO, "config", "alarms.example.toml")

# Fires when /v1/zones is asked more than 5 times per second, over 1-second periods.
BUSY_ZONES = {"metric": "hotpath_http_requests_total", "labels": {"route": "/v1/zones", "method": "GET"},
              "statistic": "rate", "period_s": 1, "threshold": 5, "comparison": ">",
              "evaluation_periods": 2, "datapoints_to_alarm": 1,
              "notify": ["https://hooks.example/ops", "mailto:oncall@example.com"]}


class Alarms(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server, cls.c, cls.admin = h.start_with_admin("root@alarms.hotpath.dev")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def put(self, name, body, token=None):
        return self.c.request("PUT", "/v1/alarms/" + name, body, token=token or self.admin)

    def alarm(self, name):
        r = self.c.get("/v1/alarms/" + name, token=self.admin)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_validation_names_every_bad_field(self):
        r = self.put("bad", {"metric": "no such", "statistic": "max", "period_s": 0, "threshold": "x",
                             "comparison": "==", "evaluation_periods": 2, "datapoints_to_alarm": 3,
                             "notify": ["ftp://x"], "labels": {"status": 5}, "colour": "red"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.header("content-type"), "application/problem+json")
        self.assertEqual(h.problem_fields(r), {"metric", "statistic", "period_s", "threshold", "comparison",
                                               "datapoints_to_alarm", "notify[0]", "labels.status", "colour"})
        r = self.put("-leading-dash", BUSY_ZONES)
        self.assertEqual(r.status, 400, r)
        r = self.put("p99-on-counter", dict(BUSY_ZONES, statistic="p99"))
        self.assertEqual(r.status, 400, r)
        self.assertEqual(h.problem_fields(r), {"statistic"})
        r = self.c.request("PUT", "/v1/alarms/x", raw=b"{not json", token=self.admin,
                           headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r)

    def test_admin_only(self):
        self.assertEqual(self.c.get("/v1/alarms").status, 401)
        customer, _ = h.signup(self.c)
        self.assertEqual(self.c.get("/v1/alarms", token=customer).status, 403)
        self.assertEqual(self.put("mine", BUSY_ZONES, token=customer).status, 403)

    def test_crud_and_unknown(self):
        r = self.put("crud", dict(BUSY_ZONES, threshold=1e9))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.header("location"), "/v1/alarms/crud")
        self.assertEqual(r.json["state"], "INSUFFICIENT_DATA")
        self.assertEqual(r.json["reason"], "Unchecked: Initial alarm creation")
        r = self.put("crud", dict(BUSY_ZONES, threshold=2e9, description="changed"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.alarm("crud")["threshold"], 2e9)
        names = [a["name"] for a in self.c.get("/v1/alarms", token=self.admin).json["items"]]
        self.assertIn("crud", names)
        self.assertEqual(self.c.get("/v1/alarms?state=SOMETIMES", token=self.admin).status, 400)
        r = self.c.request("DELETE", "/v1/alarms/crud", token=self.admin)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.c.get("/v1/alarms/crud", token=self.admin).status, 404)
        self.assertEqual(self.c.request("DELETE", "/v1/alarms/crud", token=self.admin).status, 404)
        self.assertEqual(self.c.get("/v1/alarms/nope/history", token=self.admin).status, 404)

    def test_fires_and_clears_with_history_and_notifications(self):
        r = self.put("busy-zones", BUSY_ZONES)
        self.assertEqual(r.status, 201, r)
        # Drive /v1/zones well above 5/s until the alarm fires.
        def fired():
            for _ in range(20):
                self.c.get("/v1/zones")
            return self.alarm("busy-zones")["state"] == "ALARM"
        h.wait_for(fired, timeout=30, what="busy-zones in ALARM")
        a = self.alarm("busy-zones")
        self.assertIn("greater than the threshold (5)", a["reason"])
        self.assertTrue(any(dp["value"] is not None and dp["value"] > 5 for dp in a["datapoints"]), a)
        # Quiet: it clears (both datapoints of the window at 0 requests/s).
        h.wait_for(lambda: self.alarm("busy-zones")["state"] == "OK", timeout=30, what="busy-zones back to OK")
        history = self.c.get("/v1/alarms/busy-zones/history", token=self.admin).json["items"]
        states = [i["new_state"] for i in history if i["type"] == "StateUpdate"]
        self.assertEqual(states[0], "OK")
        self.assertIn("ALARM", states)
        self.assertEqual(history[-1]["type"], "ConfigurationUpdate")
        # The gauge for dashboards.
        metrics = self.c.get("/metrics").text
        self.assertIn('hotpath_alarm_state{alarm="busy-zones"} 0', metrics)
        # Each change is a CloudEvent on the notifications topic, with the notify targets.
        def published():
            out = subprocess.run([h.BIN, "events", "tail", "--topic", "notifications", "--from-beginning",
                                  "--no-follow", "--data-dir", self.server.data_dir],
                                 capture_output=True, text=True, timeout=30, env=h.CHILD_ENV)
            events = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
            mine = [e for e in events if e.get("type") == "alarm.state_changed" and e.get("subject") == "busy-zones"]
            return mine if any(e["data"]["new_state"] == "OK" and e["data"]["old_state"] == "ALARM" for e in mine) else None
        events = h.wait_for(published, timeout=20, interval=0.5, what="alarm.state_changed events")
        fire = next(e for e in events if e["data"]["new_state"] == "ALARM")
        self.assertEqual(fire["source"], "/hotpath/alarms")
        self.assertEqual(fire["specversion"], "1.0")
        self.assertEqual(fire["data"]["notify"], BUSY_ZONES["notify"])
        self.assertEqual(fire["data"]["metric"], "hotpath_http_requests_total")
        self.assertIn("Threshold Crossed", fire["data"]["reason"])

    def test_console_files_and_live_socket(self):
        r = self.c.get("/console/")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("content-type").startswith("text/html"))
        self.assertIn("hotpath console", r.text)
        self.assertEqual(self.c.get("/console/app.js").status, 200)
        self.assertEqual(self.c.get("/console/nope.js").status, 404)
        self.assertEqual(self.c.get("/console/.install.lock").status, 404)
        self.assertEqual(self.c.get("/console/%2e%2e%2fREADME.md").status, 404)
        denied = h.WebSocket("127.0.0.1", self.server.port, "/v1/ops/live")
        self.assertEqual(denied.status, 401)
        ws = h.WebSocket("127.0.0.1", self.server.port, "/v1/ops/live?access_token=" + self.admin)
        try:
            self.assertEqual(ws.status, 101)
            hello = ws.recv_json()
            self.assertEqual(hello["type"], "hello")
            self.assertIn("zones", hello)
            snap = ws.recv_json()
            self.assertEqual(snap["type"], "snapshot")
            for key in ("riders", "orders", "plan", "zones", "routes", "functions", "alarms"):
                self.assertIn(key, snap)
            self.assertIsNone(snap["autoscaler"])  # a single process has none
            for z in snap["zones"]:
                for key in ("orders_per_min", "orders_per_min_before", "orders_this_hour", "orders_last_hour"):
                    self.assertIsInstance(z[key], int, (key, z))
            self.assertTrue(any(r["route"] == "/console/{file}" for r in ws.recv_json()["routes"]))
        finally:
            ws.close()


ALARM_SECRET = "alarm-secret-lag-0123456789"


class ConsumerLagAlarm(unittest.TestCase):
    """An operator pauses the analytics function (POST /v1/functions/{name}/pause): orders keep
    coming, its lag grows, an alarm on hotpath_function_lag fires and its webhook is delivered;
    resumed, the function catches up and the alarm clears (and says so on the webhook)."""

    @classmethod
    def setUpClass(cls):
        cls.sink = sinks.HttpSink()
        cls.server, cls.c, cls.admin = h.start_with_admin("root@lag.hotpath.dev",
                                                          ["--notify-alarm-secret", ALARM_SECRET])

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.sink.close()

    def function(self, name):
        r = self.c.get("/v1/functions", token=self.admin)
        self.assertEqual(r.status, 200, r)
        return next(f for f in r.json["items"] if f["name"] == name)

    def test_pause_and_resume_errors(self):
        self.assertEqual(self.c.post("/v1/functions/analytics/pause").status, 401)
        self.assertEqual(self.c.get("/v1/functions").status, 401)
        customer, _ = h.signup(self.c)
        self.assertEqual(self.c.post("/v1/functions/analytics/pause", token=customer).status, 403)
        self.assertEqual(self.c.get("/v1/functions", token=customer).status, 403)
        r = self.c.post("/v1/functions/no-such-fn/pause", token=self.admin)
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.header("content-type"), "application/problem+json")
        self.assertIn("no-such-fn", r.json["detail"])
        self.assertEqual(self.c.post("/v1/functions/no-such-fn/resume", token=self.admin).status, 404)
        names = {f["name"]: f for f in self.c.get("/v1/functions", token=self.admin).json["items"]}
        self.assertEqual(set(names), {"order-status", "analytics", "notify"})
        self.assertEqual(names["notify"]["topics"], ["orders", "notifications"])

    def test_the_cli_pauses_and_resumes_a_running_servers_function(self):
        def cli(*args):
            return subprocess.run([h.BIN, "functions"] + list(args) + ["--data-dir", self.server.data_dir],
                                  capture_output=True, text=True, timeout=30, env=h.child_env(self.server.data_dir))
        out = cli("pause", "order-status")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("paused order-status", out.stdout)
        h.wait_for(lambda: self.function("order-status")["state"] == "paused", timeout=10,
                   what="the server applying the CLI's pause")
        self.assertEqual(self.function("order-status")["changed_by"], "cli")
        listed = cli("list")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        row = next(l for l in listed.stdout.splitlines() if l.startswith("order-status"))
        self.assertEqual(row.split()[-1], "paused")
        out = cli("resume", "order-status")
        self.assertEqual(out.returncode, 0, out.stderr)
        h.wait_for(lambda: self.function("order-status")["state"] == "running", timeout=10,
                   what="the server applying the CLI's resume")
        nope = cli("pause", "no-such-fn")
        self.assertEqual(nope.returncode, 2)
        self.assertIn("no function named 'no-such-fn'", nope.stderr)
        self.assertEqual(cli("pause").returncode, 2)

    def test_a_paused_consumer_falls_behind_fires_the_lag_alarm_and_clears_once_resumed(self):
        hook = self.sink.hook("oncall", ALARM_SECRET)
        r = self.c.request("PUT", "/v1/alarms/analytics-lag", {
            "metric": "hotpath_function_lag", "labels": {"function": "analytics"}, "statistic": "average",
            "period_s": 1, "threshold": 3, "comparison": ">=", "evaluation_periods": 2, "datapoints_to_alarm": 1,
            "notify": [hook]}, token=self.admin)
        self.assertEqual(r.status, 201, r)
        h.wait_for(lambda: self.c.get("/v1/alarms/analytics-lag", token=self.admin).json["state"] == "OK",
                   timeout=30, what="analytics-lag OK while the function keeps up")
        w = h.World(self.c, self.admin)

        r = self.c.post("/v1/functions/analytics/pause", token=self.admin)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "paused")
        self.assertIsNotNone(r.json["changed_at"])
        self.assertTrue(r.json["changed_by"].startswith("usr_"), r.json)
        self.assertIn('hotpath_function_paused{function="analytics"} 1', self.c.get("/metrics").text)
        for _ in range(4):
            o = self.c.post("/v1/orders", w.order_body(), token=w.customer_token,
                            headers={"Idempotency-Key": h.unique("lag")})
            self.assertEqual(o.status, 201, o)
        h.wait_for(lambda: (self.function("analytics")["lag"] or 0) >= 4, timeout=20, what="the analytics lag at 4")
        self.assertEqual(self.function("order-status")["state"], "running")
        h.wait_for(lambda: self.function("order-status")["lag"] == 0, timeout=20, what="order-status keeping up")

        h.wait_for(lambda: self.c.get("/v1/alarms/analytics-lag", token=self.admin).json["state"] == "ALARM",
                   timeout=30, what="analytics-lag in ALARM")
        fired = h.wait_for(lambda: [b for _, b in self.sink.received("/hook/oncall")
                                    if b["data"]["alarm"] == "analytics-lag" and b["data"]["new_state"] == "ALARM"],
                           timeout=30, what="the ALARM notification on the webhook")
        self.assertIn("greater than or equal to the threshold (3)", fired[0]["data"]["reason"])
        self.assertEqual(self.function("analytics")["state"], "paused")  # nothing moved it on

        r = self.c.post("/v1/functions/analytics/resume", token=self.admin)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "running")
        h.wait_for(lambda: self.function("analytics")["lag"] == 0, timeout=20, what="analytics caught up")
        h.wait_for(lambda: self.c.get("/v1/alarms/analytics-lag", token=self.admin).json["state"] == "OK",
                   timeout=30, what="analytics-lag back to OK")
        h.wait_for(lambda: [b for _, b in self.sink.received("/hook/oncall")
                            if b["data"]["alarm"] == "analytics-lag" and b["data"]["new_state"] == "OK"
                            and b["data"]["old_state"] == "ALARM"],
                   timeout=30, what="the OK notification on the webhook")
        self.assertEqual(self.sink.bad_signatures, [])
        self.assertIn('hotpath_function_paused{function="analytics"} 0', self.c.get("/metrics").text)


class AlarmsAcrossRestartsAndConfig(unittest.TestCase):
    def test_config_alarms_are_read_only_and_api_alarms_survive_restart(self):
        server = h.Server(extra_args=["--config", EXAMPLE])
        h.create_user_offline(server.data_dir, "root@cfg.hotpath.dev", h.PASSWORD, "Root", "admin")
        try:
            server.start()
            c = server.client()
            admin, _ = h.login(c, "root@cfg.hotpath.dev", h.PASSWORD)
            items = {a["name"]: a for a in c.get("/v1/alarms", token=admin).json["items"]}
            for name in ("order-placement-latency-p99", "http-5xx-rate", "function-consumer-lag",
                         "function-dead-letters", "zone-without-riders", "click-to-door-p90"):
                self.assertEqual(items[name]["source"], "config", name)
            self.assertEqual(items["http-5xx-rate"]["labels"], {"status": "~5.."})
            self.assertEqual(c.request("PUT", "/v1/alarms/http-5xx-rate", BUSY_ZONES, token=admin).status, 409)
            self.assertEqual(c.request("DELETE", "/v1/alarms/http-5xx-rate", token=admin).status, 409)
            self.assertEqual(c.request("PUT", "/v1/alarms/kept", BUSY_ZONES, token=admin).status, 201)
            self.assertEqual(server.stop(), 0)

            server.start()
            c = server.client()
            admin, _ = h.login(c, "root@cfg.hotpath.dev", h.PASSWORD)
            kept = c.get("/v1/alarms/kept", token=admin)
            self.assertEqual(kept.status, 200, kept)
            self.assertEqual(kept.json["notify"], BUSY_ZONES["notify"])
            self.assertEqual(kept.json["source"], "api")
            history = c.get("/v1/alarms/kept/history", token=admin).json["items"]
            self.assertEqual(history[-1]["summary"], 'Alarm "kept" created')
        finally:
            server.cleanup()

    def test_a_bad_config_alarm_stops_the_server_with_a_clear_message(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write('[[alarms]]\nname = "x"\nmetric = "hotpath_function_lag"\nstatistic = "p42"\n'
                    'period_s = 60\nthreshold = 1\ncomparison = ">"\n')
        try:
            out = subprocess.run([h.BIN, "config", "show", "--config", f.name], capture_output=True, text=True, env=h.CHILD_ENV,
                                 timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)  # the TOML itself is fine
            server = h.Server(extra_args=["--config", f.name])
            try:
                with self.assertRaises(RuntimeError) as ctx:
                    server.start(timeout=30)
                self.assertIn("alarms[0]", str(ctx.exception))
                self.assertIn("statistic", str(ctx.exception))
            finally:
                server.cleanup()
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    unittest.main()
