// Writing output files so that a reader never sees a half-written one: the content goes to a
// temporary file in the same folder, which is renamed over the target only once complete.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace mlp {

// Calls write(stream) on a temporary file beside `path`, flushes it, then renames it to `path`.
// On any failure (unwritable folder, disk full, an exception from write) the temporary file is
// removed, `path` is left as it was, and mlp::Error (or write's exception) is thrown with the path
// and the reason. `binary` opens the stream in binary mode.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write,
                           bool binary = false);

}  // namespace mlp
