#include "mlp/data/idx.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/core/memory_limit.hpp"

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

// zlib's deflate expands data at most 1032 times (RFC 1951: a 258-byte match in at most 2 bits),
// so a gzip file of S bytes holds at most 1032 * S bytes of data (a margin covers the headers).
constexpr std::uint64_t kMaxGzipRatio = 1032;

// A file opened once and read through zlib: gzip data is decompressed, anything else is read as
// it is. Being opened once, a pipe, a FIFO or `<(...)` works.
class IdxFile {
 public:
  explicit IdxFile(const std::string& path) : path_(path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(std::string("cannot open: ") + std::strerror(errno));
    struct stat info {};
    if (::fstat(fd, &info) == 0) {
      if (S_ISDIR(info.st_mode)) {
        ::close(fd);
        fail("is a directory, not an IDX file");
      }
      if (S_ISREG(info.st_mode)) file_bytes_ = static_cast<std::uint64_t>(info.st_size);
    }
    file_ = gzdopen(fd, "rb");
    if (file_ == nullptr) {
      ::close(fd);
      fail("cannot open: out of memory");
    }
    gzbuffer(file_, 1u << 17);
  }
  ~IdxFile() {
    if (file_ != nullptr) gzclose(file_);
  }
  IdxFile(const IdxFile&) = delete;
  IdxFile& operator=(const IdxFile&) = delete;

  [[noreturn]] void fail(const std::string& what) const { throw DataError(path_ + ": " + what); }

  // Whether the data is gzip-compressed (known once something has been read).
  bool gzip() const { return gzdirect(file_) == 0; }

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

  // Checks, before anything is allocated, that `size` more bytes of data (`declared`, as the
  // header says) can be in the file and that `memory` bytes (what they become) fit in memory.
  // `truncated(bytes)` is the message for a raw file that holds only `bytes` more.
  template <class Message>
  void check_declared(std::uint64_t size, std::uint64_t memory, const std::string& declared,
                      Message truncated) {
    if (file_bytes_) {
      const auto consumed = static_cast<std::uint64_t>(gztell(file_));  // the header, if raw
      const std::uint64_t left = *file_bytes_ > consumed ? *file_bytes_ - consumed : 0;
      if (!gzip() && size > left) fail(truncated(left));
      if (gzip() && size > kMaxGzipRatio * (*file_bytes_ + 1024))
        fail("the header declares " + declared + " (" + human_bytes(size) +
             "), more than a gzip file of " + human_bytes(*file_bytes_) +
             " can hold (zlib expands at most " + std::to_string(kMaxGzipRatio) +
             " times): the header is damaged");
    }
    if (const auto problem = memory_problem(memory))
      fail("the header declares " + declared + ", which " + *problem);
  }

  // Reads exactly `size` bytes, in chunks of at most kChunk passed to `consume(bytes, count)`,
  // or fails with `truncated(bytes_read)` as the message.
  template <class Consume, class Message>
  void read_exactly(std::uint64_t size, Consume consume, Message truncated) {
    std::vector<unsigned char> chunk(
        static_cast<std::size_t>(std::min<std::uint64_t>(size, kChunk)));
    std::uint64_t done = 0;
    while (done < size) {
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size - done, kChunk));
      const std::size_t got = read(chunk.data(), want);
      consume(chunk.data(), got);
      done += got;
      if (got < want) fail(truncated(done));
    }
  }

  // Skips `bytes` bytes of the data without keeping them: a seek in a raw file; gzip data cannot
  // be entered in the middle, so zlib decompresses past them (nothing is allocated for them).
  void skip(std::uint64_t bytes) {
    if (bytes == 0) return;
    if (gzseek(file_, static_cast<z_off_t>(bytes), SEEK_CUR) < 0)
      fail_with_zlib_error("seek error");
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
    // zlib puts the file ("<fd:3>", opened by descriptor) in front of its message: we put ours.
    if (message.rfind("<fd:", 0) == 0 && message.find(">: ") != std::string::npos)
      message.erase(0, message.find(">: ") + 3);
    if (code == Z_ERRNO) fail(context + ": " + std::strerror(errno));
    if (code == Z_BUF_ERROR) fail("truncated gzip data (" + message + "): the file was cut short");
    fail("corrupt gzip data (" + message + ")");
  }

  std::string path_;
  gzFile file_ = nullptr;
  std::optional<std::uint64_t> file_bytes_;  // a regular file's size; unknown for a pipe
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

// The records [first, first + count) of a file whose header declares `declared_count` (count
// -1: every record), checked against it.
IdxRecords checked_records(IdxFile& file, std::uint64_t declared_count, IdxRecords records,
                           const char* what) {
  if (records.count == -1) return {0, static_cast<Index>(declared_count)};
  if (records.first < 0 || records.count < 0 ||
      static_cast<std::uint64_t>(records.first + records.count) > declared_count)
    file.fail("records " + std::to_string(records.first) + " to " +
              std::to_string(records.first + records.count - 1) +
              " asked for, but the header declares " + std::to_string(declared_count) + " " + what);
  return records;
}

// The end of the data after the records read: no trailing data when they are the last ones (a
// shard before the last leaves the check to the last one's reader).
void check_end_of_records(IdxFile& file, std::uint64_t declared_count, IdxRecords records,
                          const std::string& declared) {
  if (static_cast<std::uint64_t>(records.first + records.count) == declared_count)
    check_no_trailing_data(file, declared);
}

}  // namespace

template <class Scalar>
Matrix<Scalar> read_idx_images(const std::string& path, IdxRecords wanted) {
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
  const IdxRecords records = checked_records(file, count, wanted, "images");
  const auto first = static_cast<std::uint64_t>(records.first);
  const auto reading = static_cast<std::uint64_t>(records.count);
  const std::string declared = std::to_string(count) + " images of " + std::to_string(rows) + "x" +
                               std::to_string(cols) + " pixels";
  auto truncated = [&](std::uint64_t got) {
    return "truncated: the header declares " + declared + " (" + std::to_string(count * pixels) +
           " bytes) but the" + decompressed(file) + " data holds only " +
           std::to_string(first * pixels + got) + " bytes";
  };
  file.check_declared(count * pixels, reading * pixels * sizeof(Scalar), declared, truncated);
  file.skip(first * pixels);

  std::array<Scalar, 256> scaled;
  for (int v = 0; v < 256; ++v) scaled[v] = static_cast<Scalar>(v) / static_cast<Scalar>(255);
  Matrix<Scalar> images(static_cast<Index>(reading), static_cast<Index>(pixels));
  Scalar* out = images.data();
  file.read_exactly(
      reading * pixels,
      [&](const unsigned char* bytes, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) *out++ = scaled[bytes[i]];
      },
      truncated);
  check_end_of_records(file, count, records, declared);
  return images;
}

std::vector<int> read_idx_labels(const std::string& path, IdxRecords wanted) {
  IdxFile file(path);
  const auto dims = read_header(file, kLabelsMagic);
  const std::uint64_t count = dims[0];
  if (count == 0) file.fail("the header declares 0 labels");
  const IdxRecords records = checked_records(file, count, wanted, "labels");
  const auto first = static_cast<std::uint64_t>(records.first);
  const auto reading = static_cast<std::uint64_t>(records.count);
  const std::string declared = std::to_string(count) + " labels";
  auto truncated = [&](std::uint64_t got) {
    return "truncated: the header declares " + declared + " but the" + decompressed(file) +
           " data holds only " + std::to_string(first + got);
  };
  file.check_declared(count, reading * sizeof(int), declared, truncated);
  file.skip(first);
  std::vector<int> labels;
  labels.reserve(static_cast<std::size_t>(reading));
  file.read_exactly(
      reading,
      [&](const unsigned char* bytes, std::size_t n) {
        labels.insert(labels.end(), bytes, bytes + n);
      },
      truncated);
  check_end_of_records(file, count, records, declared);
  return labels;
}

Index read_idx_image_count(const std::string& path) {
  IdxFile file(path);
  const auto dims = read_header(file, kImagesMagic);  // magic 2051: 3 dimensions
  if (dims[0] == 0) file.fail("the header declares 0 images");
  return static_cast<Index>(dims[0]);
}

template <class Scalar>
Dataset<Scalar> dataset_from_idx(const std::string& images_path, const std::string& labels_path,
                                 IdxRecords records, std::span<const int> class_values) {
  Dataset<Scalar> data;
  data.task = Task::classification;
  data.features = read_idx_images<Scalar>(images_path, records);
  const std::vector<int> values = read_idx_labels(labels_path, records);
  if (records.count >= 0) {  // a shard: the files' whole counts must agree too
    IdxFile labels(labels_path);
    const std::uint64_t label_count = read_header(labels, kLabelsMagic)[0];
    const auto image_count = static_cast<std::uint64_t>(read_idx_image_count(images_path));
    if (label_count != image_count)
      throw DataError(images_path + ": holds " + std::to_string(image_count) + " images but " +
                      labels_path + " holds " + std::to_string(label_count) + " labels");
  }
  if (static_cast<Index>(values.size()) != data.features.rows())
    throw DataError(images_path + ": holds " + std::to_string(data.features.rows()) +
                    " images but " + labels_path + " holds " + std::to_string(values.size()) +
                    " labels");
  data.feature_names.reserve(static_cast<std::size_t>(data.features.cols()));
  for (Index j = 0; j < data.features.cols(); ++j)
    data.feature_names.push_back("pixel" + std::to_string(j));
  std::array<int, 256> index;
  index.fill(-1);
  if (class_values.empty())
    for (int v : values) index[static_cast<std::size_t>(v)] = 0;
  else
    for (int v : class_values) index[static_cast<std::size_t>(v & 255)] = 0;
  for (int v = 0; v < 256; ++v) {
    if (index[static_cast<std::size_t>(v)] < 0) continue;
    index[static_cast<std::size_t>(v)] = static_cast<int>(data.class_names.size());
    data.class_names.push_back(std::to_string(v));
  }
  if (data.class_names.size() < 2)
    throw DataError(labels_path + ": only one distinct label (" + data.class_names.front() +
                    "); classification needs at least two");
  data.labels.reserve(values.size());
  for (int v : values) {
    if (index[static_cast<std::size_t>(v)] < 0)
      throw DataError(labels_path + ": label " + std::to_string(v) +
                      " is not one of the classes given");
    data.labels.push_back(index[static_cast<std::size_t>(v)]);
  }
  return data;
}

template Matrix<float> read_idx_images<float>(const std::string&, IdxRecords);
template Matrix<double> read_idx_images<double>(const std::string&, IdxRecords);
template Dataset<float> dataset_from_idx<float>(const std::string&, const std::string&, IdxRecords,
                                                std::span<const int>);
template Dataset<double> dataset_from_idx<double>(const std::string&, const std::string&,
                                                  IdxRecords, std::span<const int>);

}  // namespace mlp
