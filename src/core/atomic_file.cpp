#include "mlp/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "mlp/core/error.hpp"

namespace mlp {

namespace {

std::string system_message(int error) {
  return std::generic_category().message(error);
}

}  // namespace

// Writes `bytes` to a new temporary file next to `path`, flushes it to disk and renames it over
// `path`. On any failure the temporary file is removed and `path` is left untouched.
void write_file_atomically(const std::string& path, std::string_view bytes) {
  static std::atomic<unsigned long> counter{0};
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    const int error = errno;
    if (fd < 0 && error != EEXIST)
      throw Error(path + ": cannot create the temporary file '" + temp +
                  "': " + system_message(error));
  }
  if (fd < 0) throw Error(path + ": cannot create a temporary file: every name tried exists");

  const std::string quoted_temp = "'" + temp + "'";
  auto fail = [&](const std::string& what, int error) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw Error(path + ": " + what + ": " + system_message(error));
  };
  const char* data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      const int error = errno;
      if (error == EINTR) continue;
      fail("cannot write the temporary file " + quoted_temp, error);
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    fail("cannot flush the temporary file " + quoted_temp, error);
  }
  const int closing = fd;
  fd = -1;
  if (::close(closing) != 0) {
    const int error = errno;
    fail("cannot close the temporary file " + quoted_temp, error);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    fail("cannot rename the temporary file " + quoted_temp + " to the model file", error);
  }

  // Make the rename itself durable (best effort: some file systems refuse fsync on folders).
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (folder.empty()) folder = ".";
  const int dir_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace mlp
