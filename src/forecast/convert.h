#pragma once
// Converters from the raw demand sources in ../shared/data/demand to the panel layout.
#include <string>

#include "forecast/calendar.h"
#include "forecast/panel.h"
#include "forecast/result.h"

namespace hotpath::forecast {

// NYC taxi zones: every `*.csv` in `dir` whose header is `,PUZone,Count,PUTime` (weather.csv and
// other files are skipped). unique_id is the zone number; hourly; duplicates and gaps are errors.
Result<Panel> ConvertNycZones(const std::string& dir);

// London takeaway: raw order lines `OrderNumber,OrderDate(dd/mm/yyyy HH:MM),...`; one order may span
// many lines. Counts distinct orders per slot of `freq`; every slot from the first day's 00:00 to the
// last day's end is present (0 when no order), so the series is gap-free.
Result<Panel> ConvertLondonOrders(const std::string& file, Freq freq, const std::string& unique_id);

}  // namespace hotpath::forecast
