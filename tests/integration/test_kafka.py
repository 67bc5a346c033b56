"""hotpath on Kafka, checked with an independent client: `hotpath dev kafka` (librdkafka's mock
cluster) started by the test, a server publishing order events to it, and kcat (Debian package
`kcat`) reading what hotpath published and producing events that `hotpath events tail` reads."""

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

KCAT = shutil.which("kcat") or shutil.which("kafkacat")
ADMIN_EMAIL = "root@kafka.hotpath.dev"


class DevKafka:
    """`hotpath dev kafka` as a child process; bootstrap is what it printed."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([h.BIN, "dev", "kafka"] + list(args), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=h.CHILD_ENV)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in self.proc.stdout] + [lines.put(None)],
                         daemon=True).start()
        self.bootstrap = None
        self.banner = []
        while self.bootstrap is None:
            line = lines.get(timeout=60)
            if line is None:
                raise RuntimeError("hotpath dev kafka exited: %s" % self.proc.stderr.read())
            self.banner.append(line)
            if line.startswith("bootstrap: "):
                self.bootstrap = line.split(": ", 1)[1].strip()
        self.url = "kafka://" + self.bootstrap

    def stop(self):
        self.proc.terminate()
        code = self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code


def kcat(*args, stdin=None, timeout=60):
    out = subprocess.run([KCAT] + list(args), input=stdin, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise AssertionError("kcat %s failed: %s" % (" ".join(args), out.stderr))
    return out.stdout


def kcat_read(bootstrap, topic):
    """Every record of `topic` as kcat's JSON envelopes (-J): topic, partition, offset, key, payload."""
    out = kcat("-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-J", "-q")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def tail(url, topic, *extra):
    return subprocess.run([h.BIN, "events", "tail", "--topic", topic, "--events-url", url] + list(extra),
                          capture_output=True, text=True, timeout=120, env=h.CHILD_ENV)


@unittest.skipIf(KCAT is None, "kcat is not installed (scripts/install-deps.sh installs it)")
class KafkaInterop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kafka = DevKafka("--port", "0", "--brokers", "3")

    @classmethod
    def tearDownClass(cls):
        assert cls.kafka.stop() == 0

    def test_dev_kafka_serves_the_standard_topics_on_three_brokers(self):
        meta = json.loads(kcat("-L", "-b", self.kafka.bootstrap, "-J"))
        self.assertEqual(len(meta["brokers"]), 3)
        topics = {t["topic"]: len(t["partitions"]) for t in meta["topics"]}
        for t in ("orders", "riders.locations", "payments", "notifications"):
            self.assertEqual(topics.get(t), 4, topics)

    def test_events_kcat_produces_are_read_by_hotpath_events_tail(self):
        events = [{"specversion": "1.0", "id": "kcat-%d" % i, "source": "/kcat", "type": "notification.test",
                   "subject": "user_%d" % (i % 2), "time": "2026-01-01T00:00:00Z", "data": {"n": i}}
                  for i in range(5)]
        lines = "".join("%s|%s\n" % (e["subject"], json.dumps(e)) for e in events)
        kcat("-P", "-b", self.kafka.bootstrap, "-t", "notifications", "-K", "|", stdin=lines)
        out = tail(self.kafka.url, "notifications", "--from-beginning", "--no-follow")
        self.assertEqual(out.returncode, 0, out.stderr)
        got = [json.loads(x) for x in out.stdout.splitlines()]
        mine = [e for e in got if e.get("source") == "/kcat"]
        self.assertEqual(sorted(e["id"] for e in mine), sorted(e["id"] for e in events))
        for user in ("user_0", "user_1"):  # one key, one partition: kcat's order kept
            self.assertEqual([e["data"]["n"] for e in mine if e["subject"] == user],
                             [e["data"]["n"] for e in events if e["subject"] == user])
        # Without --from-beginning the tail starts at the end: nothing old is printed.
        out = tail(self.kafka.url, "notifications", "--no-follow")
        self.assertEqual((out.returncode, out.stdout), (0, ""), out.stderr)

    def test_a_value_that_is_not_json_is_wrapped_and_a_missing_topic_prints_nothing(self):
        kcat("-P", "-b", self.kafka.bootstrap, "-t", "payments", "-K", "|", stdin="pay_1|not json\n")
        out = tail(self.kafka.url, "payments", "--from-beginning", "--no-follow")
        self.assertEqual(out.returncode, 0, out.stderr)
        raw = [json.loads(x) for x in out.stdout.splitlines()]
        self.assertIn({"topic": "payments", "key": "pay_1", "raw": "not json"},
                      [{k: r[k] for k in ("topic", "key", "raw")} for r in raw if "raw" in r])
        out = tail(self.kafka.url, "no.such.topic", "--from-beginning", "--no-follow")
        self.assertEqual((out.returncode, out.stdout), (0, ""), out.stderr)

    def test_server_publishes_order_events_that_kcat_reads(self):
        server, client, admin = h.start_with_admin(
            ADMIN_EMAIL, h.NEAREST + ["--events-url", self.kafka.url])
        try:
            w = h.World(client, admin, riders=1)
            oid = w.place_ok()["id"]
            self.assertEqual(w.act(oid, "accept", w.staff_token, {"prep_minutes": 5}).status, 200)

            def order_records():
                recs = [r for r in kcat_read(self.kafka.bootstrap, "orders") if r.get("key") == oid]
                return recs if len(recs) >= 2 else None
            recs = h.wait_for(order_records, timeout=30, interval=0.2, what="the order's events in Kafka")
            self.assertEqual(len({r["partition"] for r in recs}), 1)  # keyed by order id: one partition
            payloads = [json.loads(r["payload"]) for r in sorted(recs, key=lambda r: r["offset"])]
            self.assertEqual([p["type"] for p in payloads][:2], ["order.placed", "order.accepted"])
            for p in payloads:
                self.assertEqual((p["specversion"], p["subject"], p["source"]), ("1.0", oid, "/hotpath/orders"))
            # And hotpath's own tail reads the same events from Kafka.
            out = tail(self.kafka.url, "orders", "--from-beginning", "--no-follow")
            self.assertEqual(out.returncode, 0, out.stderr)
            tailed = [json.loads(x) for x in out.stdout.splitlines()]
            self.assertEqual([e["id"] for e in tailed if e.get("subject") == oid][:2], [p["id"] for p in payloads][:2])
        finally:
            server.cleanup()

    def test_bad_kafka_settings_are_clear_errors(self):
        out = tail("kafka://nohostport", "orders", "--no-follow")
        self.assertEqual(out.returncode, 2)
        self.assertIn("host:port", out.stderr)
        cfg = os.path.join(h.tempfile.mkdtemp(prefix="hotpath-kafka-"), "c.toml")
        with open(cfg, "w") as f:
            f.write('[events.kafka]\n"no.such.property" = "1"\n')
        out = tail(self.kafka.url, "orders", "--no-follow", "--config", cfg)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("no.such.property", out.stderr)
        shutil.rmtree(os.path.dirname(cfg), ignore_errors=True)


@unittest.skipIf(KCAT is None, "kcat is not installed")
class DevKafkaFixedPort(unittest.TestCase):
    def test_fixed_port_is_a_bootstrap_for_every_client(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # a free port to ask for (as an operator asks for 9092)
        kafka = DevKafka("--port", str(port), "--brokers", "2")
        try:
            self.assertEqual(kafka.bootstrap, "127.0.0.1:%d" % port)
            meta = json.loads(kcat("-L", "-b", kafka.bootstrap, "-J"))
            self.assertEqual(len(meta["brokers"]), 2)
            kcat("-P", "-b", kafka.bootstrap, "-t", "orders", "-K", "|", stdin='o1|{"id":"x"}\n')
            self.assertEqual([r["key"] for r in kcat_read(kafka.bootstrap, "orders")], ["o1"])
        finally:
            self.assertEqual(kafka.stop(), 0)

    def test_bad_flags_are_refused(self):
        for args, msg in ((["--brokers", "0"], "--brokers"), (["--port", "x"], "--port"), (["--nope", "1"], "--nope")):
            out = subprocess.run([h.BIN, "dev", "kafka"] + args, capture_output=True, text=True, timeout=30,
                                 env=h.CHILD_ENV)
            self.assertEqual(out.returncode, 2, args)
            self.assertIn(msg, out.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
