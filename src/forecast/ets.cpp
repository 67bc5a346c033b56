#include "forecast/ets.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "forecast/baselines.h"

namespace hotpath::forecast {
namespace {

std::vector<double> Transformed(std::span<const double> y, int transform) {
  std::vector<double> z(y.begin(), y.end());
  if (transform == 1) {
    for (double& v : z) v = std::isnan(v) ? v : std::sqrt(std::max(0.0, v));
  }
  return z;
}

double Untransform(double z, int transform) {
  z = std::max(0.0, z);
  return transform == 1 ? z * z : z;
}

struct EtsState {
  double level = 0;
  std::vector<double> daily, weekly;
  double last_error = 0;
};

// Initialises from the first two weeks, then filters through y. Calls visit(t, state) after slot t.
template <typename Visit>
bool RunFilter(std::span<const double> y, Freq freq, const EtsParams& p, Visit&& visit) {
  const long m1 = SlotsPerDay(freq), m2 = SlotsPerWeek(freq);
  const long n = static_cast<long>(y.size());
  long s0 = 0;
  while (s0 < n && std::isnan(y[static_cast<size_t>(s0)])) ++s0;
  if (n - s0 < 2 * m2) return false;
  EtsState st;
  st.daily.assign(static_cast<size_t>(m1), 0.0);
  st.weekly.assign(static_cast<size_t>(m2), 0.0);
  double sum = 0;
  long cnt = 0;
  for (long t = s0; t < s0 + 2 * m2; ++t) {
    const double v = y[static_cast<size_t>(t)];
    if (!std::isnan(v)) sum += v, ++cnt;
  }
  st.level = cnt ? sum / static_cast<double>(cnt) : 0.0;
  for (long j = 0; j < m2; ++j) {
    double s = 0;
    int c = 0;
    for (long t : {s0 + j, s0 + j + m2}) {
      const double v = y[static_cast<size_t>(t)];
      if (!std::isnan(v)) s += v, ++c;
    }
    st.weekly[static_cast<size_t>((s0 + j) % m2)] = c ? s / c - st.level : 0.0;
  }
  const double delta = m1 > 1 ? p.delta : 0.0;
  // Robust filtering (after Gelper, Fried & Croux 2010): one-step errors are clipped at kClip running
  // error scales, so one blizzard or holiday does not bend the seasonal profile for months; and a zero
  // where the forecast is >= kClosureLevel (Poisson probability < 0.1%) is a closure, not demand.
  constexpr double kClip = 3.0, kScaleRate = 0.02, kClosureLevel = 7.0;
  double sigma = 0;
  long sigma_n = 0;
  for (long t = s0 + m2; t < s0 + 2 * m2; ++t) {
    const double a = y[static_cast<size_t>(t)], b = y[static_cast<size_t>(t - m2)];
    if (!std::isnan(a) && !std::isnan(b)) sigma += std::abs(a - b), ++sigma_n;
  }
  sigma = sigma_n && sigma > 0 ? sigma / static_cast<double>(sigma_n) : 1.0;
  for (long t = s0; t < n; ++t) {
    double& d = st.daily[static_cast<size_t>(t % m1)];
    double& w = st.weekly[static_cast<size_t>(t % m2)];
    const double v = y[static_cast<size_t>(t)];
    const double pred = st.level + d + w + p.phi * st.last_error;
    const bool closure = p.robust && v == 0 && Untransform(pred, p.transform) >= kClosureLevel;
    if (std::isnan(v) || closure) {
      st.last_error *= p.phi;
    } else {
      double e = v - pred;
      if (p.robust) {
        const double limit = kClip * sigma;
        sigma = (1 - kScaleRate) * sigma + kScaleRate * std::min(std::abs(e), limit);
        e = std::clamp(e, -limit, limit);
      }
      st.level += p.alpha * e;
      d += delta * e;
      w += p.omega * e;
      st.last_error = e;
    }
    visit(t, st);
  }
  return true;
}

void ForecastFrom(const EtsState& st, long t, Freq freq, const EtsParams& p, std::span<double> out) {
  const long m1 = SlotsPerDay(freq), m2 = SlotsPerWeek(freq);
  double damp = 1.0;
  for (size_t h = 1; h <= out.size(); ++h) {
    damp *= p.phi;
    const long target = t + static_cast<long>(h);
    const double f = st.level + st.daily[static_cast<size_t>(target % m1)] +
                     st.weekly[static_cast<size_t>(target % m2)] + damp * st.last_error;
    out[h - 1] = Untransform(f, p.transform);
  }
}

}  // namespace

bool EtsForecast(std::span<const double> y, Freq freq, const EtsParams& params, std::span<double> out) {
  const long last = static_cast<long>(y.size()) - 1;
  bool done = false;
  const auto z = Transformed(y, params.transform);
  const bool ok = RunFilter(z, freq, params, [&](long t, const EtsState& st) {
    if (t == last) {
      ForecastFrom(st, t, freq, params, out);
      done = true;
    }
  });
  return ok && done;
}

std::vector<std::vector<double>> EtsForecastsAt(std::span<const double> y, Freq freq, const EtsParams& params,
                                                const std::vector<long>& cutoffs, int horizon) {
  std::vector<std::vector<double>> out(cutoffs.size());
  size_t next = 0;
  RunFilter(Transformed(y, params.transform), freq, params, [&](long t, const EtsState& st) {
    while (next < cutoffs.size() && cutoffs[next] < t) ++next;  // cutoffs before the filter start stay empty
    if (next < cutoffs.size() && cutoffs[next] == t) {
      out[next].assign(static_cast<size_t>(horizon), 0.0);
      ForecastFrom(st, t, freq, params, out[next]);
      ++next;
    }
  });
  return out;
}

Status DoubleSeasonalEts::Fit(const std::vector<SeriesHistory>& histories, int horizon) {
  if (histories.empty()) return OkStatus();
  const Freq freq = histories.front().freq;
  const long window = std::max<long>(8L * SlotsPerWeek(freq), 50L * horizon);
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> fc(static_cast<size_t>(horizon));
  const int transform = params_.transform;
  std::vector<std::vector<double>> z;
  for (const auto& h : histories) z.push_back(Transformed(h.y, transform));
  for (double alpha : {0.01, 0.03, 0.1, 0.2, 0.4}) {
    for (double delta : {0.0, 0.03, 0.1, 0.2}) {
      if (SlotsPerDay(freq) == 1 && delta > 0) continue;
      for (double omega : {0.02, 0.05, 0.1, 0.2, 0.3}) {
        for (double phi : {0.0, 0.5, 0.8, 0.95}) {
          const EtsParams p{alpha, delta, omega, phi, transform, params_.robust};
          double err = 0, total = 0;
          for (size_t si = 0; si < histories.size(); ++si) {
            const auto& h = histories[si];
            const long n = static_cast<long>(h.y.size());
            RunFilter(z[si], freq, p, [&](long t, const EtsState& st) {
              if (t < n - 1 - window || t >= n - 1 || (n - 1 - t) % horizon != 0) return;
              ForecastFrom(st, t, freq, p, fc);
              for (long k = 1; k <= horizon && t + k < n; ++k) {
                const double v = h.y[static_cast<size_t>(t + k)];
                if (std::isnan(v)) continue;
                err += std::abs(v - fc[static_cast<size_t>(k - 1)]);
                total += v;
              }
            });
          }
          if (total > 0 && err / total < best) {
            best = err / total;
            params_ = p;
          }
        }
      }
    }
  }
  return OkStatus();
}

void DoubleSeasonalEts::Predict(const std::vector<SeriesHistory>& histories, int horizon,
                                std::vector<std::vector<double>>& out) const {
  out.resize(histories.size());
  WeeklySlotMean fallback(4);
  for (size_t i = 0; i < histories.size(); ++i) {
    out[i].assign(static_cast<size_t>(horizon), 0.0);
    if (!EtsForecast(histories[i].y, histories[i].freq, params_, out[i])) {
      std::vector<std::vector<double>> fb;
      fallback.Predict({histories[i]}, horizon, fb);
      out[i] = fb[0];
    }
  }
}

std::string DoubleSeasonalEts::SaveState() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.17g %.17g %.17g %.17g %d %d", params_.alpha, params_.delta, params_.omega,
                params_.phi, params_.transform, params_.robust ? 1 : 0);
  return buf;
}

Status DoubleSeasonalEts::LoadState(const std::string& state) {
  std::istringstream in(state);
  EtsParams p;
  int robust = 0;
  if (!(in >> p.alpha >> p.delta >> p.omega >> p.phi >> p.transform >> robust) || p.transform < 0 ||
      p.transform > 1) {
    return MakeError(ErrorCode::kParse, "bad ets state '" + state + "'");
  }
  p.robust = robust != 0;
  params_ = p;
  return OkStatus();
}

}  // namespace hotpath::forecast
