#include "forecast/cli.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "forecast/test_util.h"

namespace hotpath::forecast {
namespace {

int RunCli(const std::vector<std::string>& args, std::string* err = nullptr) {
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  const std::string command = args.at(0);
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  const int rc = command == "forecast" ? ForecastCommand(rest) : StaffingCommand(rest);
  const std::string e = ::testing::internal::GetCapturedStderr();
  ::testing::internal::GetCapturedStdout();
  if (err) *err = e;
  return rc;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CliTest, UsageErrorsExitTwo) {
  std::string err;
  EXPECT_EQ(RunCli({"forecast"}, &err), 2);
  EXPECT_NE(err.find("usage"), std::string::npos);
  EXPECT_EQ(RunCli({"forecast", "frobnicate"}, &err), 2);
  EXPECT_EQ(RunCli({"forecast", "backtest", "--data"}, &err), 2);
  EXPECT_NE(err.find("--data needs a value"), std::string::npos);
  EXPECT_EQ(RunCli({"forecast", "backtest", "--bogus", "1"}, &err), 2);
  EXPECT_NE(err.find("unknown flag --bogus"), std::string::npos);
  EXPECT_EQ(
      RunCli({"forecast", "backtest", "--data", "x.csv", "--horizon", "zero", "--test-from", "2024-01-01"},
             &err),
      2);
  EXPECT_NE(err.find("--horizon must be an integer"), std::string::npos);
  EXPECT_EQ(RunCli({"staffing", "plan", "--zone", "a"}, &err), 2);
  EXPECT_NE(err.find("--date"), std::string::npos);
}

TEST(CliTest, CsvErrorNamesTheLine) {
  const std::string path =
      testing::WriteTemp("bad.csv", "unique_id,ds,y\na,2024-01-01 00:00,1\na,2024-01-01 01:00,x\n");
  std::string err;
  EXPECT_EQ(RunCli({"forecast", "backtest", "--data", path, "--test-from", "2024-01-01 01:00"}, &err), 1);
  EXPECT_NE(err.find("bad.csv:3: y is not a number"), std::string::npos) << err;
}

TEST(CliTest, BacktestTrainPredictAndStaffingEndToEnd) {
  const Panel p = testing::SyntheticHourly(2, 42, 6.0);
  const std::string data = testing::TempPath("cli_panel.csv");
  ASSERT_TRUE(WritePanelCsv(p, data).ok());
  const std::string cv = testing::TempPath("cli_cv.csv"), svg = testing::TempPath("cli.svg");
  std::string err;
  ASSERT_EQ(RunCli({"forecast", "backtest", "--data",      data,
                    "--freq",   "1h",       "--horizon",   "24",
                    "--step",   "24",       "--test-from", "2024-02-05",
                    "--out",    cv,         "--models",    "snaive_week,mean_4w,ets",
                    "--plot",   svg,        "--zones",     "z0,z1"},
                   &err),
            0)
      << err;
  EXPECT_NE(err.find("cutoffs"), std::string::npos);  // progress bar
  const std::string cv_text = ReadAll(cv);
  EXPECT_EQ(cv_text.substr(0, cv_text.find('\n')),
            "unique_id,ds,cutoff,y,snaive_week,snaive_week-lo-80,snaive_week-hi-80,mean_4w,mean_4w-lo-80,"
            "mean_4w-hi-80,"
            "ets,ets-lo-80,ets-hi-80");
  EXPECT_NE(cv_text.find("z1,2024-02-05 00:00:00,2024-02-04 23:00:00,"), std::string::npos);
  EXPECT_NE(ReadAll(svg).find("<svg"), std::string::npos);

  const std::string model = testing::TempPath("cli.model"), fc = testing::TempPath("cli_fc.csv");
  ASSERT_EQ(RunCli({"forecast", "train", "--data", data, "--model", "ets", "--out", model}, &err), 0) << err;
  ASSERT_EQ(RunCli({"forecast", "predict", "--model-file", model, "--zone", "z1", "--out", fc}, &err), 0)
      << err;
  const std::string fc_text = ReadAll(fc);
  EXPECT_EQ(fc_text.substr(0, fc_text.find('\n')), "unique_id,ds,point,q10,q50,q90");
  EXPECT_EQ(std::count(fc_text.begin(), fc_text.end(), '\n'), 25);
  EXPECT_EQ(RunCli({"staffing", "plan", "--zone", "z1", "--date", "2024-02-12", "--model-file", model}, &err),
            0)
      << err;
  EXPECT_EQ(RunCli({"staffing", "plan", "--zone", "z1", "--date", "2024-02-12", "--forecast", fc,
                    "--shift-starts", "0,6,12,18", "--shift-lengths", "6"},
                   &err),
            0)
      << err;
  EXPECT_EQ(RunCli({"staffing", "plan", "--zone", "z1", "--date", "2024-03-30", "--model-file", model}, &err),
            2);
}

}  // namespace
}  // namespace hotpath::forecast
