#include "forecast/ensemble.h"

#include <sstream>

namespace hotpath::forecast {

Status Ensemble::Fit(const std::vector<SeriesHistory>& histories, int horizon) {
  for (auto& m : members_) {
    if (auto st = m->Fit(histories, horizon); !st.ok()) return st;
  }
  return OkStatus();
}

void Ensemble::Predict(const std::vector<SeriesHistory>& histories, int horizon,
                       std::vector<std::vector<double>>& out) const {
  out.assign(histories.size(), std::vector<double>(static_cast<size_t>(horizon), 0.0));
  std::vector<std::vector<double>> part;
  for (const auto& m : members_) {
    m->Predict(histories, horizon, part);
    for (size_t i = 0; i < out.size(); ++i) {
      for (size_t j = 0; j < out[i].size(); ++j)
        out[i][j] += part[i][j] / static_cast<double>(members_.size());
    }
  }
}

std::string Ensemble::SaveState() const {
  std::string out;
  for (const auto& m : members_) {
    const std::string s = m->SaveState();
    out += std::to_string(s.size()) + "\n" + s;
  }
  return out;
}

Status Ensemble::LoadState(const std::string& state) {
  size_t pos = 0;
  for (auto& m : members_) {
    const size_t nl = state.find('\n', pos);
    if (nl == std::string::npos) return MakeError(ErrorCode::kParse, "ensemble state truncated");
    const size_t len = std::stoul(state.substr(pos, nl - pos));
    if (nl + 1 + len > state.size()) return MakeError(ErrorCode::kParse, "ensemble state truncated");
    if (auto st = m->LoadState(state.substr(nl + 1, len)); !st.ok()) return st;
    pos = nl + 1 + len;
  }
  return OkStatus();
}

}  // namespace hotpath::forecast
