#pragma once
// Admin endpoints of the demand context: GET /v1/zones/{id}/fee (the zone's dynamic fee and why),
// and, with a DemandService, GET /v1/forecast, POST /v1/forecast/retrain, GET /v1/staffing/plan.

#include <functional>
#include <string>

#include "demand/fee_desk.h"
#include "identity/identity_service.h"
#include "net/router.h"

namespace hotpath::demand {

class DemandService;

struct FeeRouteSettings {
  std::int64_t base_fee = 199;  // the example distance fee when the request names none
  std::string currency = "USD";
  std::chrono::seconds quote_validity{300};
};

// `zone_exists`: kNotFound-free check of a zone id (false = 404).
void RegisterRoutes(net::Router& router, FeeDesk& fees, DemandService* demand, const Clock& clock,
                    const identity::IdentityService& identity, FeeRouteSettings settings,
                    std::function<Result<bool>(const std::string&)> zone_exists);

}  // namespace hotpath::demand
