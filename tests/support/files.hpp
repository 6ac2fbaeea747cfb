// Files for the tests: a fresh temporary folder per test, and whole files read and written at
// once (as they are, or gzip-compressed).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace mlp::test {

// The whole file's bytes ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Writes `content` as it is, replacing the file.
inline void write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  EXPECT_TRUE(out.good()) << "cannot write " << path;
}

// Writes `content` gzip-compressed with zlib, in pieces of at most 1 MB (gzwrite takes an int).
inline void write_gzip_file(const std::filesystem::path& path, std::string_view content) {
  gzFile out = gzopen(path.c_str(), "wb");
  ASSERT_NE(out, nullptr) << "cannot write " << path;
  for (std::size_t done = 0; done < content.size();) {
    const auto n = static_cast<unsigned>(std::min<std::size_t>(content.size() - done, 1u << 20));
    ASSERT_EQ(gzwrite(out, content.data() + done, n), static_cast<int>(n));
    done += n;
  }
  EXPECT_EQ(gzclose(out), Z_OK);
}

// A fresh temporary folder (`prefix` and a unique suffix), removed with what it holds when the
// object goes away.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "mlp-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of `name` in the folder.
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  // Writes `content` to `name` in the folder, as it is or gzip-compressed; returns its path.
  std::string file(const std::string& name, std::string_view content) const {
    write_file(*this / name, content);
    return *this / name;
  }
  std::string gzip_file(const std::string& name, std::string_view content) const {
    write_gzip_file(*this / name, content);
    return *this / name;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace mlp::test
