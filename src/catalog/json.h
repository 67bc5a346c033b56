#pragma once
// JSON shapes of catalog objects, shared by the handlers and the cached menu.

#include <boost/json/object.hpp>

#include "catalog/catalog_service.h"

namespace hotpath::catalog {

boost::json::object ZoneJson(const Zone& z);
boost::json::object RestaurantJson(const Restaurant& r);
boost::json::object ItemJson(const MenuItem& i);

}  // namespace hotpath::catalog
