#pragma once
// `hotpath staffing evaluate INSTANCE_DIR... [flags]`: the staffing planner judged by replaying MDRP days
// (docs/forecast.md, "Staffing evaluated on MDRP days"). `args` are the words after `evaluate`. Returns
// the exit code: 0 evaluated (whatever the verdict), 1 malformed instance, infeasible replay or I/O
// error, 2 usage error. Table (or JSON lines) on stdout; progress and errors on stderr.
#include <string>
#include <vector>

namespace hotpath::staffsim {

int EvaluateCommand(const std::vector<std::string>& args);

}  // namespace hotpath::staffsim
