#include "mlp/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "mlp/core/error.hpp"

namespace mlp {

namespace {

constexpr std::uint32_t kImagesMagic = 2051;  // 00 00 08 03
constexpr std::uint32_t kLabelsMagic = 2049;  // 00 00 08 01
constexpr std::uint64_t kMaxPixelsPerImage = std::uint64_t{1} << 24;
constexpr unsigned kChunk = 1u << 20;

std::string hex(std::uint32_t value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%08x", static_cast<unsigned>(value));
  return buffer;
}

// A file read through zlib: gzip data is decompressed, anything else is read as it is.
class IdxFile {
 public:
  explicit IdxFile(const std::string& path) : path_(path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail("is a directory, not an IDX file");
    // Look at the first two bytes ourselves: gzip files start with 1f 8b.
    errno = 0;
    std::FILE* probe = std::fopen(path.c_str(), "rb");
    if (probe == nullptr) fail(std::string("cannot open: ") + std::strerror(errno));
    unsigned char magic[2] = {0, 0};
    gzip_ = std::fread(magic, 1, 2, probe) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    std::fclose(probe);
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    if (file_ == nullptr)
      fail(std::string("cannot open: ") + (errno != 0 ? std::strerror(errno) : "out of memory"));
    gzbuffer(file_, 1u << 17);
  }
  ~IdxFile() {
    if (file_ != nullptr) gzclose(file_);
  }
  IdxFile(const IdxFile&) = delete;
  IdxFile& operator=(const IdxFile&) = delete;

  [[noreturn]] void fail(const std::string& what) const { throw DataError(path_ + ": " + what); }

  bool gzip() const { return gzip_; }

  // Reads up to `size` bytes; fewer only at the end of the data. Throws on corrupt gzip data.
  std::size_t read(unsigned char* out, std::size_t size) {
    std::size_t total = 0;
    while (total < size) {
      const auto want = static_cast<unsigned>(std::min<std::size_t>(size - total, kChunk));
      const int got = gzread(file_, out + total, want);
      if (got < 0) fail_with_zlib_error("read error");
      total += static_cast<std::size_t>(got);
      if (static_cast<unsigned>(got) < want) {
        int code = Z_OK;
        gzerror(file_, &code);
        if (code != Z_OK) fail_with_zlib_error("read error");
        break;
      }
    }
    return total;
  }

  // Reads exactly `size` bytes of data (growing `out` only as data arrives), or fails with
  // `truncated(bytes_read)` as the message.
  template <class Message>
  void read_exactly(std::vector<unsigned char>& out, std::uint64_t size, Message truncated) {
    out.clear();
    while (out.size() < size) {
      const std::size_t old_size = out.size();
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size - old_size, kChunk));
      out.resize(old_size + want);
      const std::size_t got = read(out.data() + old_size, want);
      out.resize(old_size + got);
      if (got < want) fail(truncated(out.size()));
    }
  }

  // Number of bytes left after what has been read.
  std::uint64_t count_remaining() {
    std::array<unsigned char, 1 << 16> sink;
    std::uint64_t count = 0;
    while (true) {
      const std::size_t got = read(sink.data(), sink.size());
      count += got;
      if (got < sink.size()) return count;
    }
  }

 private:
  [[noreturn]] void fail_with_zlib_error(const std::string& context) {
    int code = Z_OK;
    const char* text = gzerror(file_, &code);
    std::string message = text != nullptr ? text : "unknown zlib error";
    // zlib puts the path in front of its message: we already do.
    if (message.rfind(path_ + ": ", 0) == 0) message.erase(0, path_.size() + 2);
    if (code == Z_ERRNO) fail(context + ": " + std::strerror(errno));
    if (code == Z_BUF_ERROR) fail("truncated gzip data (" + message + "): the file was cut short");
    fail("corrupt gzip data (" + message + ")");
  }

  std::string path_;
  gzFile file_ = nullptr;
  bool gzip_ = false;
};

std::uint32_t big_endian(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// Reads and checks the magic number and the dimensions of an IDX file of unsigned bytes.
std::vector<std::uint32_t> read_header(IdxFile& file, std::uint32_t expected_magic) {
  const char* kind = expected_magic == kImagesMagic ? "image" : "label";
  unsigned char magic[4];
  const std::size_t got = file.read(magic, 4);
  if (got == 0) file.fail("empty file (expected an IDX " + std::string(kind) + " file)");
  if (got < 4) file.fail("too short to be an IDX file (" + std::to_string(got) + " bytes)");
  const std::uint32_t value = big_endian(magic);
  if (magic[0] != 0 || magic[1] != 0)
    file.fail("not an IDX file (magic number " + hex(value) + ", expected " +
              std::to_string(expected_magic) + ")");
  if (magic[2] != 0x08)
    file.fail("unsupported IDX element type " + hex(magic[2]) +
              " (only unsigned bytes, type 0x08, are supported)");
  if (value != expected_magic) {
    if (value == kImagesMagic || value == kLabelsMagic)
      file.fail("this is an IDX " + std::string(value == kImagesMagic ? "image" : "label") +
                " file (magic " + std::to_string(value) + "), expected an IDX " + kind +
                " file (magic " + std::to_string(expected_magic) + ")");
    file.fail("wrong IDX magic number " + std::to_string(value) + " (expected " +
              std::to_string(expected_magic) + ", an IDX " + kind + " file)");
  }
  const std::size_t n_dims = magic[3];
  unsigned char dims_bytes[4 * 255];
  if (file.read(dims_bytes, 4 * n_dims) < 4 * n_dims)
    file.fail("truncated header: the file ends inside the " + std::to_string(n_dims) +
              " dimension sizes");
  std::vector<std::uint32_t> dims(n_dims);
  for (std::size_t i = 0; i < n_dims; ++i) dims[i] = big_endian(dims_bytes + 4 * i);
  return dims;
}

void check_no_trailing_data(IdxFile& file, const std::string& declared) {
  const std::uint64_t extra = file.count_remaining();
  if (extra > 0)
    file.fail("trailing garbage: " + std::to_string(extra) + " bytes after the " + declared +
              " the header declares");
}

std::string decompressed(const IdxFile& file) {
  return file.gzip() ? " (decompressed)" : "";
}

}  // namespace

template <class Scalar>
Matrix<Scalar> read_idx_images(const std::string& path) {
  IdxFile file(path);
  const auto dims = read_header(file, kImagesMagic);
  const std::uint64_t count = dims[0];
  const std::uint64_t rows = dims[1];
  const std::uint64_t cols = dims[2];
  if (count == 0) file.fail("the header declares 0 images");
  if (rows == 0 || cols == 0)
    file.fail("invalid image size " + std::to_string(rows) + "x" + std::to_string(cols));
  if (rows * cols > kMaxPixelsPerImage)
    file.fail("implausible image size " + std::to_string(rows) + "x" + std::to_string(cols) +
              " (damaged header?)");
  const std::uint64_t pixels = rows * cols;
  const std::string declared = std::to_string(count) + " images of " + std::to_string(rows) + "x" +
                               std::to_string(cols) + " pixels";
  std::vector<unsigned char> bytes;
  file.read_exactly(bytes, count * pixels, [&](std::uint64_t got) {
    return "truncated: the header declares " + declared + " (" + std::to_string(count * pixels) +
           " bytes) but the" + decompressed(file) + " data holds only " + std::to_string(got) +
           " bytes";
  });
  check_no_trailing_data(file, declared);

  std::array<Scalar, 256> scaled;
  for (int v = 0; v < 256; ++v) scaled[v] = static_cast<Scalar>(v) / static_cast<Scalar>(255);
  Matrix<Scalar> images(static_cast<Index>(count), static_cast<Index>(pixels));
  Scalar* out = images.data();
  for (std::size_t i = 0; i < bytes.size(); ++i) out[i] = scaled[bytes[i]];
  return images;
}

std::vector<int> read_idx_labels(const std::string& path) {
  IdxFile file(path);
  const auto dims = read_header(file, kLabelsMagic);
  const std::uint64_t count = dims[0];
  if (count == 0) file.fail("the header declares 0 labels");
  const std::string declared = std::to_string(count) + " labels";
  std::vector<unsigned char> bytes;
  file.read_exactly(bytes, count, [&](std::uint64_t got) {
    return "truncated: the header declares " + declared + " but the" + decompressed(file) +
           " data holds only " + std::to_string(got);
  });
  check_no_trailing_data(file, declared);
  return std::vector<int>(bytes.begin(), bytes.end());
}

template <class Scalar>
Dataset<Scalar> dataset_from_idx(const std::string& images_path, const std::string& labels_path) {
  Dataset<Scalar> data;
  data.task = Task::classification;
  data.features = read_idx_images<Scalar>(images_path);
  const std::vector<int> values = read_idx_labels(labels_path);
  if (static_cast<Index>(values.size()) != data.features.rows())
    throw DataError(images_path + ": holds " + std::to_string(data.features.rows()) +
                    " images but " + labels_path + " holds " + std::to_string(values.size()) +
                    " labels");
  data.feature_names.reserve(static_cast<std::size_t>(data.features.cols()));
  for (Index j = 0; j < data.features.cols(); ++j)
    data.feature_names.push_back("pixel" + std::to_string(j));
  std::array<int, 256> index;
  index.fill(-1);
  for (int v : values) index[static_cast<std::size_t>(v)] = 0;
  for (int v = 0; v < 256; ++v) {
    if (index[static_cast<std::size_t>(v)] < 0) continue;
    index[static_cast<std::size_t>(v)] = static_cast<int>(data.class_names.size());
    data.class_names.push_back(std::to_string(v));
  }
  if (data.class_names.size() < 2)
    throw DataError(labels_path + ": only one distinct label (" + data.class_names.front() +
                    "); classification needs at least two");
  data.labels.reserve(values.size());
  for (int v : values) data.labels.push_back(index[static_cast<std::size_t>(v)]);
  return data;
}

template Matrix<float> read_idx_images<float>(const std::string&);
template Matrix<double> read_idx_images<double>(const std::string&);
template Dataset<float> dataset_from_idx<float>(const std::string&, const std::string&);
template Dataset<double> dataset_from_idx<double>(const std::string&, const std::string&);

}  // namespace mlp
