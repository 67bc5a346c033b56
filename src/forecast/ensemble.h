#pragma once
// Equal-weight average of member methods ("ens:ets+xgb+mean_12w"): each member is fitted on the
// same history; averaging forecasts with different error patterns lowers the error of either.
#include <memory>
#include <vector>

#include "forecast/method.h"

namespace hotpath::forecast {

class Ensemble final : public Method {
 public:
  Ensemble(std::string name, std::vector<std::unique_ptr<Method>> members)
      : name_(std::move(name)), members_(std::move(members)) {}
  std::string Name() const override { return name_; }
  Status Fit(const std::vector<SeriesHistory>& histories, int horizon) override;
  void Predict(const std::vector<SeriesHistory>& histories, int horizon,
               std::vector<std::vector<double>>& out) const override;
  std::string SaveState() const override;
  Status LoadState(const std::string& state) override;

 private:
  std::string name_;
  std::vector<std::unique_ptr<Method>> members_;
};

}  // namespace hotpath::forecast
