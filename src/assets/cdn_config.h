#pragma once
// The CDN-style cache in front of hotpath: an nginx configuration with proxy_cache for the
// immutable /assets and the public menu endpoint, everything else proxied uncached (WebSocket
// upgrades included). Pure text generation, so the config is unit-tested and reviewable.
//
// Freshness: assets are content-addressed (a new image is a new URL), so they are cached for as
// long as the origin says (a year). A menu URL stays the same when the menu changes, so menus are
// micro-cached: stored for `menu_ttl_s` seconds (origin's `Cache-Control: no-cache` is overridden),
// after which the next request goes to the origin. An edited menu is visible through the cache
// within menu_ttl_s (default 1 s); see docs/assets.md for why not purges or versioned URLs.

#include <string>
#include <vector>

#include "core/result.h"

namespace hotpath::assets {

struct CdnOptions {
  std::string listen = "127.0.0.1:8081";  // HOST:PORT nginx listens on
  std::vector<std::string> upstreams;     // HOST:PORT of hotpath api processes (or HAProxy)
  std::string dir;                        // absolute: cache, temp files, pid, error log live here
  int menu_ttl_s = 1;
  int workers = 1;
  std::string max_cache_size = "1g";
};

// Errors name the bad option (empty upstreams, relative dir, characters nginx would misread).
Result<std::string> RenderNginxConfig(const CdnOptions& options);

}  // namespace hotpath::assets
