// hotpath-mdrp: the `hotpath mdrp` command as a standalone binary for development.
#include <string>
#include <vector>

#include "dispatch/cli.h"

int main(int argc, char** argv) {
  return hotpath::dispatch::MdrpCommand(std::vector<std::string>(argv + 1, argv + argc));
}
