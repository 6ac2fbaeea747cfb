// What every fuzz target shares: the fuzzer's bytes as a file (the readers take paths), and the
// rule that the library may throw only its own typed errors.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mlp/core/error.hpp"

namespace mlp_fuzz {

// An anonymous in-memory file holding the bytes, named by its /proc/self/fd path.
class MemoryFile {
 public:
  MemoryFile(const std::uint8_t* data, std::size_t size) {
    fd_ = ::memfd_create("mlp-fuzz", MFD_CLOEXEC);
    if (fd_ < 0) std::abort();
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// Runs f(); an mlp::Error is the expected answer to bad input, anything else (another exception,
// a crash, a sanitizer report) is a finding.
template <class F>
void expect_only_mlp_errors(F&& f) {
  try {
    f();
  } catch (const mlp::Error&) {
  }
}

}  // namespace mlp_fuzz
