#pragma once
// Minimal JSON string escaping for the few JSON documents net/ writes itself (problem bodies and
// access log lines), so that net/ does not depend on a JSON library.

#include <string>
#include <string_view>

namespace hotpath::net {

// Appends `text` as a quoted JSON string. Control characters are \u-escaped; invalid UTF-8 bytes
// are replaced by U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view text);

[[nodiscard]] std::string JsonString(std::string_view text);

}  // namespace hotpath::net
