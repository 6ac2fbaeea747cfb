// The IDX (MNIST) reader: small hand-made files, raw and gzipped, damaged files, real MNIST.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include <algorithm>
#include <cstdint>
#include <filesystem>

#include "mlp/core/error.hpp"
#include "mlp/core/memory_limit.hpp"
#include "mlp/core/random.hpp"
#include "mlp/data/idx.hpp"
#include "support/exception_message.hpp"
#include "support/files.hpp"
#include "support/idx_files.hpp"

namespace {

using mlp::test::message_of;

using mlp::test::TempDir;

namespace fs = std::filesystem;
using mlp::test::bytes;
using mlp::test::Bytes;
using mlp::test::idx;

#define EXPECT_CONTAINS(text, part)                          \
  EXPECT_NE(std::string(text).find(part), std::string::npos) \
      << "message: " << (text) << "\nexpected to contain: " << (part)

std::string images_error(const std::string& path) {
  return message_of<mlp::DataError>([&] { mlp::read_idx_images<double>(path); });
}
std::string labels_error(const std::string& path) {
  return message_of<mlp::DataError>([&] { mlp::read_idx_labels(path); });
}

// Three 2x3 images; pixel values chosen so that v/255 is easy to check.
const Bytes kPixels = bytes({0, 255, 51, 102, 153, 204,  //
                             1, 2, 3, 4, 5, 6,           //
                             255, 255, 255, 0, 0, 0});
const Bytes kSmallImages = idx(2051, {3, 2, 3}, kPixels);
const Bytes kSmallLabels = idx(2049, {3}, bytes({7, 0, 7}));

void expect_small_images(const mlp::Matrix<double>& X) {
  ASSERT_EQ(X.rows(), 3);
  ASSERT_EQ(X.cols(), 6);
  // 51/255 = 0.2, 102/255 = 0.4, ...
  const double first[] = {0.0, 1.0, 0.2, 0.4, 0.6, 0.8};
  for (int j = 0; j < 6; ++j) EXPECT_NEAR(X(0, j), first[j], 1e-15) << "pixel " << j;
  EXPECT_NEAR(X(1, 5), 6.0 / 255.0, 1e-15);
  EXPECT_EQ(X(2, 0), 1.0);
  EXPECT_EQ(X(2, 5), 0.0);
}

// ---- valid files ----

TEST(Idx, ReadsRawImages) {
  TempDir dir("mlp_idx_test");
  expect_small_images(mlp::read_idx_images<double>(dir.file("images.idx", kSmallImages)));
}

TEST(Idx, ReadsGzippedImages) {
  TempDir dir("mlp_idx_test");
  const std::string path = dir.gzip_file("images.idx.gz", kSmallImages);
  ASSERT_EQ(static_cast<unsigned char>(mlp::test::read_file(path)[0]), 0x1f);  // really compressed
  expect_small_images(mlp::read_idx_images<double>(path));
  const auto X = mlp::read_idx_images<float>(path);
  EXPECT_EQ(X(0, 1), 1.0f);
  EXPECT_NEAR(X(0, 2), 0.2f, 1e-7f);
}

TEST(Idx, ReadsRawAndGzippedLabels) {
  TempDir dir("mlp_idx_test");
  EXPECT_EQ(mlp::read_idx_labels(dir.file("labels.idx", kSmallLabels)),
            (std::vector<int>{7, 0, 7}));
  EXPECT_EQ(mlp::read_idx_labels(dir.gzip_file("labels.idx.gz", kSmallLabels)),
            (std::vector<int>{7, 0, 7}));
  EXPECT_EQ(mlp::read_idx_labels(dir.file("high.idx", idx(2049, {2}, bytes({255, 128})))),
            (std::vector<int>{255, 128}));
}

TEST(Idx, DatasetFromIdxClassNamesByLabelsPresent) {
  TempDir dir("mlp_idx_test");
  const auto data = mlp::dataset_from_idx<double>(dir.file("i.idx", kSmallImages),
                                                  dir.gzip_file("l.idx.gz", kSmallLabels));
  EXPECT_EQ(data.task, mlp::Task::classification);
  EXPECT_EQ(data.features.rows(), 3);
  EXPECT_EQ(data.class_names, (std::vector<std::string>{"0", "7"}));
  EXPECT_EQ(data.labels, (std::vector<int>{1, 0, 1}));
  EXPECT_EQ(data.feature_names,
            (std::vector<std::string>{"pixel0", "pixel1", "pixel2", "pixel3", "pixel4", "pixel5"}));
}

// ---- damaged files ----

TEST(Idx, MissingFile) {
  TempDir dir("mlp_idx_test");
  const std::string path = dir / "nope.gz";
  EXPECT_EQ(images_error(path), path + ": cannot open: No such file or directory");
  EXPECT_EQ(labels_error(path), path + ": cannot open: No such file or directory");
}

TEST(Idx, EmptyFile) {
  TempDir dir("mlp_idx_test");
  const std::string path = dir.file("empty.idx", "");
  EXPECT_EQ(images_error(path), path + ": empty file (expected an IDX image file)");
}

TEST(Idx, NotAnIdxFile) {
  TempDir dir("mlp_idx_test");
  const std::string path = dir.file("text.idx", "a,b\n1,2\n");
  EXPECT_EQ(images_error(path),
            path + ": not an IDX file (magic number 0x612c620a, expected 2051)");
  const std::string tiny = dir.file("tiny.idx", bytes({0, 0, 8}));
  EXPECT_EQ(images_error(tiny), tiny + ": too short to be an IDX file (3 bytes)");
}

TEST(Idx, LabelFileIsNotAnImageFile) {
  TempDir dir("mlp_idx_test");
  const std::string labels = dir.gzip_file("labels.gz", kSmallLabels);
  EXPECT_EQ(images_error(labels), labels +
                                      ": this is an IDX label file (magic 2049), expected an "
                                      "IDX image file (magic 2051)");
  const std::string images = dir.file("images.idx", kSmallImages);
  EXPECT_EQ(labels_error(images), images +
                                      ": this is an IDX image file (magic 2051), expected an "
                                      "IDX label file (magic 2049)");
}

TEST(Idx, UnsupportedElementType) {
  TempDir dir("mlp_idx_test");
  // 0x0D = 32-bit floats.
  const std::string path = dir.file("float.idx", idx(0x00000D03, {1, 1, 1}, Bytes(4, '\0')));
  EXPECT_EQ(images_error(path), path +
                                    ": unsupported IDX element type 0x0000000d (only unsigned "
                                    "bytes, type 0x08, are supported)");
  const std::string dims = dir.file("dims.idx", idx(0x00000802, {1, 1}, Bytes(1, '\0')));
  EXPECT_EQ(images_error(dims), dims +
                                    ": wrong IDX magic number 2050 (expected 2051, an IDX "
                                    "image file)");
}

TEST(Idx, TruncatedHeader) {
  TempDir dir("mlp_idx_test");
  const std::string path = dir.file("h.idx", idx(2051, {3, 2}, ""));
  EXPECT_EQ(images_error(path),
            path + ": truncated header: the file ends inside the 3 dimension sizes");
}

TEST(Idx, TruncatedRawData) {
  TempDir dir("mlp_idx_test");
  const std::string path = dir.file("cut.idx", kSmallImages.substr(0, kSmallImages.size() - 4));
  EXPECT_EQ(images_error(path), path +
                                    ": truncated: the header declares 3 images of 2x3 pixels "
                                    "(18 bytes) but the data holds only 14 bytes");
  const std::string labels =
      dir.file("cut-labels.idx", kSmallLabels.substr(0, kSmallLabels.size() - 1));
  EXPECT_EQ(labels_error(labels),
            labels + ": truncated: the header declares 3 labels but the data holds only 2");
}

TEST(Idx, TruncatedGzipFile) {
  TempDir dir("mlp_idx_test");
  // Enough data that the compressed stream is long, then cut the file in the middle.
  Bytes pixels;
  mlp::Random random(7);  // incompressible pixels: the gzip file is about as long as the data
  for (int i = 0; i < 100 * 28 * 28; ++i) pixels.push_back(static_cast<char>(random.below(256)));
  const std::string whole = dir.gzip_file("whole.gz", idx(2051, {100, 28, 28}, pixels));
  const Bytes compressed = mlp::test::read_file(whole);
  ASSERT_GT(compressed.size(), 1000u);
  const std::string cut = dir.file("cut.gz", compressed.substr(0, compressed.size() / 2));
  const std::string message = images_error(cut);
  EXPECT_CONTAINS(message, cut + ": truncated");
}

TEST(Idx, CorruptedGzipFile) {
  TempDir dir("mlp_idx_test");
  Bytes pixels;
  mlp::Random random(11);
  for (int i = 0; i < 50 * 28 * 28; ++i) pixels.push_back(static_cast<char>(random.below(256)));
  const std::string whole = dir.gzip_file("whole.gz", idx(2051, {50, 28, 28}, pixels));
  Bytes compressed = mlp::test::read_file(whole);
  // Flip bits inside the compressed data (after the 10-byte gzip header, before the trailer).
  for (std::size_t i = compressed.size() / 2; i < compressed.size() / 2 + 8; ++i)
    compressed[i] = static_cast<char>(compressed[i] ^ 0x5A);
  const std::string bad = dir.file("bad.gz", compressed);
  const std::string message = images_error(bad);
  EXPECT_CONTAINS(message, bad + ": ");
  EXPECT_TRUE(message.find("corrupt gzip data") != std::string::npos ||
              message.find("truncated") != std::string::npos)
      << message;
}

TEST(Idx, CorruptedTrailerChecksum) {
  TempDir dir("mlp_idx_test");
  Bytes compressed = mlp::test::read_file(dir.gzip_file("whole.gz", kSmallImages));
  // The last 8 bytes are CRC-32 and length: damage the CRC.
  compressed[compressed.size() - 8] = static_cast<char>(compressed[compressed.size() - 8] ^ 0xFF);
  const std::string bad = dir.file("bad.gz", compressed);
  EXPECT_EQ(images_error(bad), bad + ": corrupt gzip data (incorrect data check)");
}

TEST(Idx, TrailingGarbage) {
  TempDir dir("mlp_idx_test");
  const std::string raw = dir.file("long.idx", kSmallImages + "extra");
  EXPECT_EQ(images_error(raw),
            raw +
                ": trailing garbage: 5 bytes after the 3 images of 2x3 pixels the header "
                "declares");
  const std::string gz = dir.gzip_file("long.gz", kSmallLabels + "xy");
  EXPECT_EQ(labels_error(gz), gz + ": trailing garbage: 2 bytes after the 3 labels the header "
                                   "declares");
}

TEST(Idx, ZeroAndImplausibleSizes) {
  TempDir dir("mlp_idx_test");
  const std::string none = dir.file("none.idx", idx(2051, {0, 28, 28}, ""));
  EXPECT_EQ(images_error(none), none + ": the header declares 0 images");
  const std::string flat = dir.file("flat.idx", idx(2051, {1, 0, 28}, ""));
  EXPECT_EQ(images_error(flat), flat + ": invalid image size 0x28");
  const std::string huge = dir.file("huge.idx", idx(2051, {1, 100000, 100000}, Bytes(10, '\0')));
  EXPECT_EQ(images_error(huge), huge + ": implausible image size 100000x100000 (damaged header?)");
  const std::string no_labels = dir.file("nolabels.idx", idx(2049, {0}, ""));
  EXPECT_EQ(labels_error(no_labels), no_labels + ": the header declares 0 labels");
}

TEST(Idx, HugeDeclaredCountDoesNotAllocate) {
  // A damaged count of 4294967295 28x28 images (3.4 TB) in front of 2 real images: the reader
  // must see that no gzip file of this size can hold them, not try to allocate terabytes.
  TempDir dir("mlp_idx_test");
  const std::string path =
      dir.gzip_file("lie.gz", idx(2051, {0xFFFFFFFFu, 28, 28}, Bytes(2 * 784, 'x')));
  const std::string message = images_error(path);
  EXPECT_CONTAINS(message, path +
                               ": the header declares 4294967295 images of 28x28 pixels (3.4 TB)"
                               ", more than a gzip file of ");
  EXPECT_CONTAINS(message, "can hold (zlib expands at most 1032 times): the header is damaged");
  const std::string labels = dir.file("lie.idx", idx(2049, {0xFFFFFFFFu}, Bytes(3, '\1')));
  EXPECT_EQ(labels_error(labels), labels +
                                      ": truncated: the header declares 4294967295 labels but "
                                      "the data holds only 3");
}

TEST(Idx, GzipCountWithinRatioButBeyondMemoryFailsBeforeReading) {
  // 2^32 - 1 one-pixel images in a 4.2 MB gzip file: 4.3 GB of pixels is within what it could
  // hold (zlib's ratio), but as a double matrix it needs 34 GB, more than the
  // machine has (the CLI test does the same under a 1 GB address-space limit).
  if (mlp::memory_limit_bytes() >= std::uint64_t{0xFFFFFFFFu} * sizeof(double))
    GTEST_SKIP() << "this machine could hold the matrix";
  TempDir dir("mlp_idx_test");
  Bytes pixels;
  mlp::Random random(3);  // incompressible: the gzip file is as long as its data
  for (int i = 0; i < 4'200'000; ++i) pixels.push_back(static_cast<char>(random.below(256)));
  const std::string path = dir.gzip_file("noise.gz", idx(2051, {0xFFFFFFFFu, 1, 1}, pixels));
  const std::string message = images_error(path);
  EXPECT_CONTAINS(message, path +
                               ": the header declares 4294967295 images of 1x1 pixels, which "
                               "needs 34 GB of memory, more than the ");
}

TEST(Idx, ReadsFromAPipe) {
  // Opened once: a FIFO with the data written by another process is read like a file.
  TempDir dir("mlp_idx_test");
  const std::string fifo = dir / "images.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string source = dir.gzip_file("images.gz", kSmallImages);
  const std::string command = "cat '" + source + "' > '" + fifo + "' &";
  ASSERT_EQ(std::system(command.c_str()), 0);
  expect_small_images(mlp::read_idx_images<double>(fifo));
}

TEST(Idx, DatasetCountsMustMatch) {
  TempDir dir("mlp_idx_test");
  const std::string images = dir.file("i.idx", kSmallImages);
  const std::string labels = dir.file("l.idx", idx(2049, {2}, bytes({1, 2})));
  EXPECT_EQ(message_of<mlp::DataError>([&] { mlp::dataset_from_idx<float>(images, labels); }),
            images + ": holds 3 images but " + labels + " holds 2 labels");
  const std::string one = dir.file("one.idx", idx(2049, {3}, bytes({4, 4, 4})));
  EXPECT_EQ(message_of<mlp::DataError>([&] { mlp::dataset_from_idx<float>(images, one); }),
            one + ": only one distinct label (4); classification needs at least two");
}

// ---- real MNIST ----

TEST(Idx, MnistTestSet) {
  const std::string dir = MLP_DATASETS_DIR;
  const auto data = mlp::dataset_from_idx<float>(dir + "/t10k-images-idx3-ubyte.gz",
                                                 dir + "/t10k-labels-idx1-ubyte.gz");
  ASSERT_EQ(data.features.rows(), 10000);
  ASSERT_EQ(data.features.cols(), 784);
  EXPECT_EQ(data.features.minCoeff(), 0.0f);
  EXPECT_EQ(data.features.maxCoeff(), 1.0f);
  EXPECT_EQ(data.class_names,
            (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
  // Label counts of the MNIST test set, counted offline from the file.
  const int expected[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
  for (int digit = 0; digit < 10; ++digit)
    EXPECT_EQ(std::count(data.labels.begin(), data.labels.end(), digit), expected[digit])
        << "digit " << digit;
  EXPECT_EQ((std::vector<int>(data.labels.begin(), data.labels.begin() + 10)),
            (std::vector<int>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}));
  // First image: 116 non-zero pixels summing to 18454/255; pixel 202 is 84/255.
  EXPECT_EQ((data.features.row(0).array() > 0.0f).count(), 116);
  EXPECT_NEAR(data.features.row(0).cast<double>().sum(), 18454.0 / 255.0, 1e-3);
  EXPECT_FLOAT_EQ(data.features(0, 202), 84.0f / 255.0f);
  EXPECT_EQ(data.features(0, 201), 0.0f);
}

TEST(Idx, MnistTrainingLabels) {
  const auto labels =
      mlp::read_idx_labels(std::string(MLP_DATASETS_DIR) + "/train-labels-idx1-ubyte.gz");
  ASSERT_EQ(labels.size(), 60000u);
  // Counts from the datasets README.
  const int expected[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
  for (int digit = 0; digit < 10; ++digit)
    EXPECT_EQ(std::count(labels.begin(), labels.end(), digit), expected[digit])
        << "digit " << digit;
}

}  // namespace
