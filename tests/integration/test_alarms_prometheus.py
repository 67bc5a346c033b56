"""`hotpath alarms export --prometheus` writes the config's and the API's alarms as Prometheus
alerting rules that `promtool check rules` accepts, and whose conditions behave: `promtool test
rules` fires the 5xx alarm on synthetic series with too many errors and not on healthy ones."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

REPO = os.path.join(os.path.dirname(__file__), "..", "..")
EXAMPLE = os.path.join(REPO, "config", "alarms.example.toml")
PROMTOOL = shutil.which("promtool")

RULE_TEST = """
rule_files: [%s]
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - series: 'hotpath_http_requests_total{route="/v1/orders",method="POST",status="503"}'
        values: '0+60x40'
      - series: 'hotpath_http_requests_total{route="/v1/orders",method="POST",status="201"}'
        values: '0+600x40'
      - series: 'hotpath_http_requests_total{route="/v1/zones",method="GET",status="500"}'
        values: '0+1x40'
    alert_rule_test:
      - eval_time: 30s
        alertname: hotpath_http_5xx_rate
        exp_alerts: []
      - eval_time: 9m
        alertname: hotpath_http_5xx_rate
        exp_alerts:
          - exp_labels: {alarm: http-5xx-rate, source: hotpath}
            exp_annotations:
              summary: "http-5xx-rate rate of hotpath_http_requests_total > 1 (period 60s, 2 of 3 datapoints)"
              description: "Server errors (any route) above 1 per second in 2 of the last 3 minutes"
"""


class PrometheusExport(unittest.TestCase):
    def setUp(self):
        self.assertIsNotNone(PROMTOOL, "promtool missing: scripts/install-deps.sh installs the prometheus package")

    def test_rules_pass_promtool(self):
        tmp = tempfile.mkdtemp(prefix="hotpath-rules-")
        try:
            server, c, admin = h.start_with_admin("root@rules.hotpath.dev")
            try:
                r = c.request("PUT", "/v1/alarms/slow-menus", {
                    "metric": "hotpath_http_request_duration_seconds",
                    "labels": {"route": "~/v1/restaurants/.*"}, "statistic": "p90", "period_s": 120,
                    "threshold": 0.25, "comparison": ">=", "evaluation_periods": 3, "datapoints_to_alarm": 2,
                    "description": "menus \"slow\"", "notify": ["mailto:oncall@example.com"]}, token=admin)
                self.assertEqual(r.status, 201, r)
                data_dir = server.data_dir
                self.assertEqual(server.stop(), 0)
                rules = os.path.join(tmp, "rules.yml")
                out = subprocess.run([h.BIN, "alarms", "export", "--prometheus", rules, "--config", EXAMPLE,
                                      "--data-dir", data_dir], capture_output=True, text=True, timeout=60, env=h.CHILD_ENV)
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertIn("wrote 7 alerting rules", out.stderr)
            finally:
                server.cleanup()
            text = open(rules).read()
            self.assertIn('histogram_quantile(0.9, sum by (le) (rate(hotpath_http_request_duration_seconds_bucket'
                          '{route=~\\"/v1/restaurants/.*\\"}[120s]))) >= 0.25', text)
            check = subprocess.run([PROMTOOL, "check", "rules", rules], capture_output=True, text=True, timeout=60, env=h.CHILD_ENV)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            self.assertIn("SUCCESS: 7 rules found", check.stdout + check.stderr)

            test_file = os.path.join(tmp, "rules_test.yml")
            with open(test_file, "w") as f:
                f.write(RULE_TEST % "rules.yml")
            run = subprocess.run([PROMTOOL, "test", "rules", test_file], capture_output=True, text=True,
                                 timeout=60, cwd=tmp)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)

            bad = subprocess.run([h.BIN, "alarms", "export", "--config", EXAMPLE, "--data-dir", tmp],
                                 capture_output=True, text=True, timeout=60, env=h.CHILD_ENV)
            self.assertEqual(bad.returncode, 2)
            self.assertIn("--prometheus FILE is required", bad.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
