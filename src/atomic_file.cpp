#include "mlp/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "mlp/error.hpp"

namespace mlp {

namespace {

std::string temporary_name(const std::string& path) {
  std::random_device device;
  return path + ".tmp-" + std::to_string(device() % 1000000000u);
}

}  // namespace

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write,
                           bool binary) {
  if (path.empty()) throw Error("cannot write: empty output path");
  if (std::filesystem::is_directory(path)) throw Error(path + ": is a directory");
  const std::string temp = temporary_name(path);
  auto fail = [&](const std::string& why) {
    std::remove(temp.c_str());
    throw Error(path + ": cannot write: " + why);
  };
  {
    std::ofstream out(temp, binary ? std::ios::out | std::ios::binary | std::ios::trunc
                                   : std::ios::out | std::ios::trunc);
    if (!out) fail(std::strerror(errno));
    try {
      write(out);
    } catch (...) {
      out.close();
      std::remove(temp.c_str());
      throw;
    }
    out.flush();
    if (!out) fail("write failed (disk full?)");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) fail(std::strerror(errno));
}

}  // namespace mlp
