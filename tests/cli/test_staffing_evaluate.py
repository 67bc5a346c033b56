"""`hotpath staffing evaluate` on the real binary: usage errors exit 2 with a message naming the
problem, a malformed instance exits 1 naming file and line, and a small Grubhub day (0o50t100s1p100,
calibrated on day 1) is replayed end to end with its original couriers and with planned ones; both
solutions pass the independent referee (../shared/tools/mdrp_check.py) with the metrics the command
printed."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

SHARED = os.path.abspath(os.path.join(h.REPO, "..", "shared"))
INSTANCES = os.path.join(SHARED, "data", "mdrp", "public_instances")
CHECKER = os.path.join(SHARED, "tools", "mdrp_check.py")


def run(*args):
    out = subprocess.run([h.BIN, "staffing", "evaluate"] + list(args), capture_output=True, text=True,
                         timeout=120, env=h.CHILD_ENV)
    return out.returncode, out.stdout, out.stderr


class StaffingEvaluate(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotpath_staffing_eval_")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_usage_errors_exit_two(self):
        for args, message in [
            ([], "give at least one INSTANCE_DIR"),
            (["x", "--forecast", "yesterday"], "--forecast must be schedule or oracle"),
            (["x", "--level", "forecast", "--utilisation", "1.5"], "--utilisation expects numbers in (0, 1]"),
            (["x", "--utilisation", "0.5"], "--level schedule-hours takes --hours-share"),
            (["x", "--hours-share", "-1"], "--hours-share expects numbers"),
            (["x", "--level", "weekly"], "--level must be schedule-hours or forecast"),
            (["x", "--positions", "moon"], "--positions must be couriers or restaurants"),
            (["x", "--shift-starts", "7-30"], "--shift-starts: hours are 0-23"),
            (["x", "--seed"], "--seed needs a value"),
            (["x", "--seeds", "0"], "--seeds must be an integer in [1, 20], got '0'"),
            (["x", "--seeds", "many"], "--seeds must be an integer in [1, 20], got 'many'"),
        ]:
            code, out, err = run(*args)
            self.assertEqual(code, 2, (args, err))
            self.assertIn(message, err, args)
            self.assertIn("usage: hotpath staffing evaluate", err)

    def test_malformed_instance_names_file_and_line(self):
        day = os.path.join(self.tmp, "5o50t100s1p100")
        shutil.copytree(os.path.join(INSTANCES, "0o50t100s1p100"), day)
        with open(os.path.join(day, "orders.txt"), "a") as f:
            f.write("o999\t1\t2\tsoon\tr1\t5\n")
        code, out, err = run(day, "--forecast", "oracle", "--out", os.path.join(self.tmp, "out"))
        self.assertEqual(code, 1, err)
        self.assertRegex(err, r"orders\.txt:\d+: placement_time 'soon' is not a number")
        code, out, err = run(os.path.join(self.tmp, "missing"), "--forecast", "oracle")
        self.assertEqual(code, 1, err)
        self.assertIn("cannot open file", err)

    def test_a_small_day_end_to_end_passes_the_referee(self):
        out_dir = os.path.join(self.tmp, "out")
        day = os.path.join(INSTANCES, "0o50t100s1p100")
        code, out, err = run(day, "--reference", os.path.join(INSTANCES, "1o50t100s1p100"),
                             "--positions", "restaurants", "--json", "--quiet", "--out", out_dir)
        self.assertEqual(code, 0, err)
        row = json.loads(out.strip().splitlines()[0])
        self.assertEqual(row["instance"], "0o50t100s1p100")
        self.assertEqual(row["forecast"], "schedule")
        self.assertEqual(row["level"], "schedule-hours")
        self.assertEqual(row["hours_share"], 0.97)
        self.assertAlmostEqual(row["original"]["courier_hours"], 151.483, places=2)  # the s1 schedule
        planned = row["planned"]
        # The default level: at most 0.97 x the schedule's hours, within one shift of it.
        self.assertLessEqual(planned["courier_hours"], 0.97 * 151.483)
        self.assertGreater(planned["courier_hours"], 0.97 * 151.483 - 4)
        self.assertEqual(planned["courier_hours"], int(planned["courier_hours"]))  # whole-hour shifts
        for which, instance_dir in [("original", day), ("planned", os.path.join(out_dir, "0o50t100s1p100", "planned"))]:
            sol = os.path.join(out_dir, "0o50t100s1p100", which)
            ref = subprocess.run([sys.executable, CHECKER, instance_dir, sol], capture_output=True, text=True,
                                 timeout=60)
            self.assertEqual(ref.returncode, 0, ref.stdout + ref.stderr)
            metrics = json.loads(ref.stdout)
            self.assertTrue(metrics["feasible"], metrics["errors"][:3])
            self.assertAlmostEqual(metrics["click_to_door"]["mean"], row[which]["click_to_door_mean"], places=2)
            self.assertAlmostEqual(metrics["cost_per_order"], row[which]["cost_per_order"], places=2)
            self.assertEqual(metrics["delivered"], row[which]["delivered"])
        # Three engine seeds by default: seed 1 is the strict verdict's replay, and the seed-spread verdict
        # compares the means over seeds 1-3 with the original's mean plus its own range over them.
        self.assertEqual(row["engine_seeds"], [1, 2, 3])
        self.assertEqual(row["original_per_seed"][0], row["original"])
        self.assertEqual(row["planned_per_seed"][0], row["planned"])
        c2d = [r["click_to_door_mean"] for r in row["original_per_seed"]]
        self.assertAlmostEqual(row["original_mean"]["click_to_door_mean"], sum(c2d) / 3, places=2)
        self.assertAlmostEqual(row["original_range"]["click_to_door_mean"], max(c2d) - min(c2d), places=2)
        worse = [m for m, key in [("undelivered", "undelivered_pct"), ("click-to-door mean", "click_to_door_mean"),
                                  ("click-to-door p90", "click_to_door_p90"),
                                  ("ready-to-pickup", "ready_to_pickup_mean")]
                 if row["planned_mean"][key] > row["original_mean"][key] + row["original_range"][key] + 0.002]
        self.assertEqual(row["no_worse_spread"], not worse, (worse, row["worse_on_spread"]))
        for seed in (2, 3):
            sol = os.path.join(out_dir, "0o50t100s1p100", "planned-seed%d" % seed)
            ref = subprocess.run([sys.executable, CHECKER, sol, sol], capture_output=True, text=True, timeout=60)
            self.assertEqual(ref.returncode, 0, ref.stdout + ref.stderr)
            self.assertEqual(json.loads(ref.stdout)["delivered"], row["planned_per_seed"][seed - 1]["delivered"])
        # The table form prints both rows and the summary with the verdict counts.
        code, out, err = run(day, "--forecast", "oracle", "--level", "forecast", "--utilisation", "0.7,0.9",
                             "--quiet", "--out", out_dir)
        self.assertEqual(code, 0, err)
        self.assertIn("| original couriers (engine seed 1) | 151.5 |", out)
        self.assertIn("| planned (oracle, u=0.70), strict: engine seed 1, every metric <= the original's |", out)
        self.assertIn("| planned (oracle, u=0.90), strict: engine seed 1", out)
        self.assertIn("| original couriers (mean of engine seeds 1-3) | 151.5 |", out)
        self.assertIn("| planned (oracle, u=0.90), seed spread: mean of seeds 1-3 <= the original's mean + its seed range |",
                      out)


if __name__ == "__main__":
    unittest.main()
