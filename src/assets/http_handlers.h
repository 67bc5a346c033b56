#pragma once
// HTTP edge of the assets context:
//   POST /v1/restaurants/{id}/images   raw image body + Content-Type (staff of the restaurant, admin)
//   GET  /v1/restaurants/{id}/images   the restaurant's images, newest first (public)
//   GET  /assets/{name}                immutable content-addressed bytes: ETag, 304, Range (206/416)

#include "assets/asset_service.h"
#include "identity/identity_service.h"
#include "net/router.h"

namespace hotpath::assets {

void RegisterRoutes(net::Router& router, AssetService& assets, const identity::IdentityService& identity);

// The /assets answer for a request and a loaded asset (conditional and range rules applied).
net::Response AssetResponse(const net::Request& request, const Asset& asset);

}  // namespace hotpath::assets
