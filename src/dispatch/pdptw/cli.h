#pragma once
// `hotpath pdptw solve INSTANCE.txt --time-limit SECONDS --out FILE [--threads N] [--seed S]
//  [--max-iterations N]`: solves a Li & Lim instance, writes the SINTEF solution to FILE and
// prints one JSON summary line on stdout. Returns the process exit code: 0 on success, 2 for bad
// arguments (usage on stderr), 1 for unreadable or malformed input and write failures.

#include <string>
#include <vector>

namespace hotpath::dispatch::pdptw {

int PdptwCommand(const std::vector<std::string>& args);

}  // namespace hotpath::dispatch::pdptw
