#pragma once
// The demo city for `hotpath serve --demo`: two zones, restaurants with menus, online riders and
// demo accounts. Seeding is idempotent: a data directory that already has the demo admin is left
// as it is.

#include <string>
#include <vector>

#include "app/platform.h"

namespace hotpath::app {

struct DemoAccount {
  std::string role;
  std::string email;
  std::string password;
  std::string note;
};

struct DemoSummary {
  bool created = false;  // false: the data directory already had the demo city
  int zones = 0;
  int restaurants = 0;
  int riders = 0;
  std::vector<DemoAccount> accounts;  // a sample to print
};

Result<DemoSummary> SeedDemoCity(Platform& platform);

}  // namespace hotpath::app
