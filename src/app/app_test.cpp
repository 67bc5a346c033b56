#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "app/cli.h"
#include "app/openapi.h"
#include "app/platform.h"

namespace hotpath::app {
namespace {

TEST(Cli, ParsesValuesEqualsAndBooleans) {
  auto p = ParseArgs({"--listen", "127.0.0.1:0", "--data-dir=/tmp/x", "--demo", "pos"}, {"demo"});
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->flags.size(), 3u);
  EXPECT_EQ(p->flags[1], (std::pair<std::string, std::string>{"data-dir", "/tmp/x"}));
  EXPECT_EQ(p->flags[2].second, "true");
  EXPECT_EQ(p->positional, std::vector<std::string>{"pos"});
  EXPECT_FALSE(ParseArgs({"--listen"}, {}).ok());
}

TEST(Cli, UnknownFlagIsNamed) {
  auto p = ParseArgs({"--lisen", "x"}, {});
  auto src = ConfigFromArgs(*p, {}, nullptr);
  ASSERT_TRUE(src.ok());
  src->env.clear();
  auto c = LoadConfig(*src);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("--lisen"), std::string::npos);
}

TEST(OpenApi, DocumentsExactlyTheServedRoutes) {
  auto dir = std::filesystem::temp_directory_path() / NewId("hp_app");
  Config config;
  config.data_dir = dir.string();
  config.listen = "127.0.0.1:0";
  Logger log(LogLevel::kError);
  auto platform = Platform::Create(config, log);
  ASSERT_TRUE(platform.ok()) << platform.error().message;
  auto key = [](const net::RouteInfo& r) { return r.method + " " + r.route; };
  std::vector<std::string> served, documented;
  for (const auto& r : (*platform)->router().Routes()) served.push_back(key(r));
  for (const auto& r : DocumentedRoutes()) documented.push_back(key(r));
  std::sort(served.begin(), served.end());
  std::sort(documented.begin(), documented.end());
  EXPECT_EQ(served, documented);
  EXPECT_NE(OpenApiDocument().find("\"/v1/orders/{id}/accept\""), std::string::npos);
  platform->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hotpath::app
