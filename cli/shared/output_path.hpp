// Checks made before a long run that its output files can be written, so that training does not
// end in a lost result.
#pragma once

#include <string>

namespace mlp::cli {

// Throws mlp::Error naming the path when `path` is a folder or its folder is missing or not
// writable. An empty path is accepted (no output).
void check_writable(const std::string& path, const std::string& flag);

}  // namespace mlp::cli
