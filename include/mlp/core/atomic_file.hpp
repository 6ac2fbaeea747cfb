// Writing output files so that a reader never sees a half-written one: the content goes to a
// new temporary file in the same folder, is flushed to disk, and only then is renamed over the
// target.
//
// Paths that are not (or do not lead to) a regular file are written through instead, since
// they cannot be replaced: "-" (standard output, as the CSV reader's "-" is standard input),
// /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N (the open descriptor itself), and an
// existing FIFO, character device or socket (opened and written; a FIFO that no process reads
// is an error, never a wait). A symbolic link is followed: the file it names is replaced and the
// link kept. A block device, or anything else that is not a file, is refused.
#pragma once

#include <string>
#include <string_view>

namespace mlp {

// Writes `bytes` to `path` as described above. On any failure (unwritable folder, disk full,
// a reader gone) the temporary file is removed, `path` is left as it was, and mlp::Error is
// thrown with the path and the reason.
void write_file_atomically(const std::string& path, std::string_view bytes);

// Removes the temporary file of a write_file_atomically in progress, if any. Async-signal-safe:
// a signal handler that ends the program at once calls it so that no temporary file is left.
void remove_unfinished_temporary_file() noexcept;

}  // namespace mlp
