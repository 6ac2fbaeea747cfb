// Writing output files so that a reader never sees a half-written one: the content goes to a
// new temporary file in the same folder, is flushed to disk, and only then is renamed over the
// target.
#pragma once

#include <string>
#include <string_view>

namespace mlp {

// Writes `bytes` to `path` atomically. On any failure (unwritable folder, disk full) the
// temporary file is removed, `path` is left as it was, and mlp::Error is thrown with the path and
// the reason.
void write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace mlp
