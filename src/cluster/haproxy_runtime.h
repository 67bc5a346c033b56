#pragma once
// HAProxy's runtime API over its admin unix socket (`stats socket ... level admin`): one command
// per connection, the answer read to the end. Used to enable, drain and disable server slots
// without a reload, and to read `show stat`.

#include <string>

#include "core/result.h"

namespace hotpath::cluster {

class HaproxyRuntime {
 public:
  explicit HaproxyRuntime(std::string socket_path) : path_(std::move(socket_path)) {}
  // The command's output; kUnavailable when the socket does not answer. HAProxy reports a refused
  // command in its text, so callers of state-changing commands check the answer (see Expect).
  [[nodiscard]] Result<std::string> Command(const std::string& command) const;
  // A state-changing command whose answer must be empty (HAProxy's "done" for `set server`).
  [[nodiscard]] Status Expect(const std::string& command) const;

 private:
  std::string path_;
};

}  // namespace hotpath::cluster
