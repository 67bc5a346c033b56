#pragma once
// The operations console's built front end (web/, see docs/console.md) served under /console/:
// GET /console and /console/ answer index.html, GET /console/{file} a file of the directory.
// Files are read per request (a rebuilt console is served without a restart). A missing
// directory answers 503 with a problem that says how to build it.

#include <string>

#include "net/router.h"

namespace hotpath::console {

void RegisterConsoleRoutes(net::Router& router, std::string dir);

// The default directory: "console" next to the running executable.
std::string DefaultConsoleDir();

}  // namespace hotpath::console
