#pragma once
// SVG chart of a backtest: actuals against one model's forecast and its 10-90% band, one panel per
// series, in test-period order.
#include <string>
#include <vector>

#include "forecast/backtest.h"

namespace hotpath::forecast {

std::string BacktestSvg(const Panel& panel, const BacktestResult& result, const std::vector<size_t>& series,
                        size_t model);

}  // namespace hotpath::forecast
