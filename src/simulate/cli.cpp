#include "simulate/cli.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>

#include "simulate/simulation.h"

namespace hotpath::simulate {
namespace {

std::atomic<bool> g_interrupted{false};  // lock-free: safe to set from a signal handler

extern "C" void OnSignal(int) { g_interrupted = true; }

class Progress {
 public:
  explicit Progress(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO) == 1) {}
  void operator()(const Summary& s, double sim_clock_s) {
    if (quiet_) return;
    auto now = std::chrono::steady_clock::now();
    if (tty_) {
      if (now - last_ < std::chrono::milliseconds(500)) return;
      std::fprintf(stderr, "\r%s\x1b[K", ProgressLine(s, sim_clock_s).c_str());
      drawn_ = true;
    } else {
      if (now - last_ < std::chrono::seconds(10)) return;
      std::fprintf(stderr, "%s\n", ProgressLine(s, sim_clock_s).c_str());
    }
    std::fflush(stderr);
    last_ = now;
  }
  void Finish() {
    if (drawn_) std::fprintf(stderr, "\n");
  }

 private:
  bool quiet_, tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

int SimulateCommand(const std::vector<std::string>& args) {
  if (!args.empty() && (args.front() == "--help" || args.front() == "-h")) {
    std::fputs(kSimulateUsage, stdout);
    return 0;
  }
  auto options = ParseOptions(args);
  if (!options.ok()) {
    std::fprintf(stderr, "hotpath simulate: %s\n%s", options.error().message.c_str(), kSimulateUsage);
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  HttpClient::GlobalInit();

  if (!options->quiet) {
    std::fprintf(stderr, "simulate: %s against %s at %gx; setting up accounts...\n",
                 options->mdrp.empty() ? "daily curve" : ("MDRP replay of " + options->mdrp).c_str(),
                 options->url.c_str(), options->speedup);
  }
  Simulation sim(*options);
  Progress progress(options->quiet);
  auto summary = sim.Run(g_interrupted, [&](const Summary& s, double clock) { progress(s, clock); });
  progress.Finish();
  if (!summary.ok()) {
    std::fprintf(stderr, "hotpath simulate: %s\n", summary.error().message.c_str());
    return summary.error().code == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  if (options->json) {
    std::printf("%s\n", boost::json::serialize(SummaryJson(*summary)).c_str());
  } else {
    std::fputs(SummaryText(*summary).c_str(), stdout);
  }
  std::fflush(stdout);
  return summary->stopped_because == "the server stopped answering" ? 1 : 0;
}

}  // namespace hotpath::simulate
