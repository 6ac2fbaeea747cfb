#include "mlp/core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>

#include "mlp/core/error.hpp"

namespace mlp {

namespace {

std::string system_message(int error) {
  return std::generic_category().message(error);
}

// The temporary file being written, for remove_unfinished_temporary_file (one at a time: the
// library writes its files from one thread).
char unfinished_path[4096];
volatile std::sig_atomic_t unfinished = 0;

// The descriptor a path names directly: "-" is standard output; /dev/stdout, /dev/stderr,
// /dev/fd/N and /proc/self/fd/N are the process's own descriptors.
std::optional<int> descriptor_named(const std::string& path) {
  if (path == "-" || path == "/dev/stdout") return STDOUT_FILENO;
  if (path == "/dev/stderr") return STDERR_FILENO;
  for (std::string_view prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    if (path.rfind(prefix, 0) != 0) continue;
    int fd = -1;
    const char* begin = path.data() + prefix.size();
    const char* end = path.data() + path.size();
    const auto [last, ec] = std::from_chars(begin, end, fd);
    if (ec == std::errc() && last == end && begin != end) return fd;
  }
  return std::nullopt;
}

// Writes all of `bytes` to `fd`, or returns the errno of the failure.
int write_all(int fd, std::string_view bytes) {
  const char* data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  return 0;
}

// Writes through an open descriptor (standard output, a FIFO, a terminal).
void write_to_descriptor(const std::string& path, int fd, std::string_view bytes) {
  if (const int error = write_all(fd, bytes))
    throw Error(path + ": cannot write: " + system_message(error));
}

// Opens an existing FIFO, character device or socket and writes through it. A FIFO is opened
// without waiting: when no process reads it, that is an error.
void write_through(const std::string& path, const struct stat& info, std::string_view bytes) {
  const bool fifo = S_ISFIFO(info.st_mode);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | (fifo ? O_NONBLOCK : 0));
  if (fd < 0) {
    const int error = errno;
    if (fifo && error == ENXIO)
      throw Error(path + ": is a FIFO that no process is reading: start the reader first");
    throw Error(path + ": cannot open: " + system_message(error));
  }
  if (fifo) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  const int error = write_all(fd, bytes);
  ::close(fd);
  if (error != 0) throw Error(path + ": cannot write: " + system_message(error));
}

// The file that `path` stands for: itself, or the file its symbolic links lead to (which may not
// exist yet: a dangling link is followed too, so that the link is kept).
std::string followed(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path current = path;
  std::error_code ec;
  for (int hops = 0; fs::is_symlink(current, ec); ++hops) {
    if (hops == 40) throw Error(path + ": too many levels of symbolic links");
    const fs::path target = fs::read_symlink(current, ec);
    if (ec) throw Error(path + ": cannot follow the symbolic link: " + ec.message());
    current = target.is_absolute() ? target : current.parent_path() / target;
  }
  return current.string();
}

void replace_atomically(const std::string& path, std::string_view bytes) {
  static std::atomic<unsigned long> counter{0};
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    if (temp.size() < sizeof unfinished_path) {
      std::memcpy(unfinished_path, temp.c_str(), temp.size() + 1);
      unfinished = 1;
    }
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    const int error = errno;
    if (fd < 0) unfinished = 0;
    if (fd < 0 && error != EEXIST)
      throw Error(path + ": cannot create the temporary file '" + temp +
                  "': " + system_message(error));
  }
  if (fd < 0) throw Error(path + ": cannot create a temporary file: every name tried exists");

  const std::string quoted_temp = "'" + temp + "'";
  auto fail = [&](const std::string& what, int error) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    unfinished = 0;
    throw Error(path + ": " + what + ": " + system_message(error));
  };
  if (const int error = write_all(fd, bytes))
    fail("cannot write the temporary file " + quoted_temp, error);
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
    fail("cannot rename the temporary file " + quoted_temp + " to the output file", error);
  }
  unfinished = 0;

  // Make the rename itself durable (best effort: some file systems refuse fsync on folders).
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (folder.empty()) folder = ".";
  const int dir_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view bytes) {
  if (const auto fd = descriptor_named(path)) return write_to_descriptor(path, *fd, bytes);
  const std::string target = followed(path);
  struct stat info {};
  if (::stat(target.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) throw Error(path + ": is a folder, not a file");
    if (S_ISFIFO(info.st_mode) || S_ISCHR(info.st_mode) || S_ISSOCK(info.st_mode))
      return write_through(target, info, bytes);
    if (!S_ISREG(info.st_mode))
      throw Error(path + ": is a device or special file, not a file that can be written");
  }
  replace_atomically(target, bytes);
}

void remove_unfinished_temporary_file() noexcept {
  if (unfinished != 0) ::unlink(unfinished_path);
}

}  // namespace mlp
