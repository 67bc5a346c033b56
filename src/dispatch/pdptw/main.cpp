// hotpath-pdptw: standalone entry point for the `hotpath pdptw` command.
#include <string>
#include <vector>

#include "dispatch/pdptw/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return hotpath::dispatch::pdptw::PdptwCommand(args);
}
