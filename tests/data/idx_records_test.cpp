// The IDX reader on a range of records (a shard under mpirun, docs/distributed.md): the records
// asked for, raw and gzipped, the checks that still apply, and classes given from outside.
#include <gtest/gtest.h>

#include "mlp/core/error.hpp"
#include "mlp/data/idx.hpp"
#include "support/exception_message.hpp"
#include "support/files.hpp"
#include "support/idx_files.hpp"

namespace {

using mlp::IdxRecords;
using mlp::test::bytes;
using mlp::test::Bytes;
using mlp::test::idx;
using mlp::test::message_of;
using mlp::test::TempDir;

// Five 1x2 images whose pixels are their record number, and their labels.
const Bytes kFiveImages = idx(2051, {5, 1, 2}, bytes({0, 0, 1, 1, 2, 2, 3, 3, 4, 4}));
const Bytes kFiveLabels = idx(2049, {5}, bytes({3, 3, 5, 9, 5}));

// The record numbers of the images read (each image's first pixel x 255).
std::vector<int> records_of(const mlp::Matrix<double>& X) {
  std::vector<int> out;
  for (mlp::Index i = 0; i < X.rows(); ++i) out.push_back(static_cast<int>(X(i, 0) * 255 + 0.5));
  return out;
}

TEST(IdxRecords, ReadsTheRecordsAskedForRawAndGzipped) {
  TempDir dir("mlp_idx_records");
  for (const std::string& path :
       {dir.file("i.idx", kFiveImages), dir.gzip_file("i.idx.gz", kFiveImages)}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(records_of(mlp::read_idx_images<double>(path, {1, 2})), (std::vector<int>{1, 2}));
    EXPECT_EQ(records_of(mlp::read_idx_images<double>(path, {4, 1})), (std::vector<int>{4}));
    EXPECT_EQ(records_of(mlp::read_idx_images<double>(path, {0, 5})),
              (std::vector<int>{0, 1, 2, 3, 4}));
    const auto none = mlp::read_idx_images<double>(path, {3, 0});
    EXPECT_EQ(none.rows(), 0);
    EXPECT_EQ(none.cols(), 2);
    EXPECT_EQ(mlp::read_idx_image_count(path), 5);
  }
  for (const std::string& path :
       {dir.file("l.idx", kFiveLabels), dir.gzip_file("l.idx.gz", kFiveLabels)})
    EXPECT_EQ(mlp::read_idx_labels(path, {2, 3}), (std::vector<int>{5, 9, 5}));
}

TEST(IdxRecords, RecordsBeyondTheFileAreNamed) {
  TempDir dir("mlp_idx_records");
  const std::string path = dir.file("i.idx", kFiveImages);
  EXPECT_NE(message_of<mlp::DataError>([&] {
              mlp::read_idx_images<double>(path, {4, 2});
            }).find("records 4 to 5 asked for, but the header declares 5 images"),
            std::string::npos);
  const std::string labels = dir.file("l.idx", kFiveLabels);
  EXPECT_NE(message_of<mlp::DataError>([&] {
              mlp::read_idx_labels(labels, {-1, 2});
            }).find("asked for, but the header declares 5 labels"),
            std::string::npos);
}

// A raw file shorter than its header declares fails on any range (its size is known); trailing
// data is found by the range that ends with the last record, and only by it.
TEST(IdxRecords, TruncatedAndTrailingDataAreFound) {
  TempDir dir("mlp_idx_records");
  const std::string cut = dir.file("cut.idx", kFiveImages.substr(0, kFiveImages.size() - 1));
  EXPECT_NE(message_of<mlp::DataError>([&] {
              mlp::read_idx_images<double>(cut, {0, 1});
            }).find("truncated"),
            std::string::npos);
  const std::string gz_cut =
      dir.gzip_file("cut.idx.gz", kFiveImages.substr(0, kFiveImages.size() - 1));
  EXPECT_EQ(records_of(mlp::read_idx_images<double>(gz_cut, {0, 2})), (std::vector<int>{0, 1}));
  EXPECT_NE(message_of<mlp::DataError>([&] {
              mlp::read_idx_images<double>(gz_cut, {3, 2});
            }).find("truncated"),
            std::string::npos);
  for (const std::string& path : {dir.file("long.idx", kFiveImages + "xy"),
                                  dir.gzip_file("long.idx.gz", kFiveImages + "xy")}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(records_of(mlp::read_idx_images<double>(path, {0, 3})), (std::vector<int>{0, 1, 2}));
    EXPECT_NE(message_of<mlp::DataError>([&] {
                mlp::read_idx_images<double>(path, {3, 2});
              }).find("trailing garbage: 2 bytes"),
              std::string::npos);
  }
}

// A shard's dataset: its records of both files, the classes given (every shard's labels) rather
// than the ones present in it, and the files' whole counts compared.
TEST(IdxRecords, DatasetOfAShardWithTheClassesGiven) {
  TempDir dir("mlp_idx_records");
  const std::string images = dir.file("i.idx", kFiveImages),
                    labels = dir.file("l.idx", kFiveLabels);
  const std::vector<int> classes{3, 5, 9};
  const auto shard = mlp::dataset_from_idx<double>(images, labels, {0, 2}, classes);
  EXPECT_EQ(records_of(shard.features), (std::vector<int>{0, 1}));
  EXPECT_EQ(shard.class_names, (std::vector<std::string>{"3", "5", "9"}));
  EXPECT_EQ(shard.labels, (std::vector<int>{0, 0}));
  const auto empty = mlp::dataset_from_idx<double>(images, labels, {5, 0}, classes);
  EXPECT_EQ(empty.features.rows(), 0);
  EXPECT_EQ(empty.class_names.size(), 3u);
  const std::vector<int> too_few{3, 5};
  EXPECT_NE(message_of<mlp::DataError>([&] {
              mlp::dataset_from_idx<double>(images, labels, {2, 2}, too_few);
            }).find("label 9 is not one of the classes given"),
            std::string::npos);
  const std::string four = dir.file("four.idx", idx(2049, {4}, bytes({3, 3, 5, 9})));
  EXPECT_NE(message_of<mlp::DataError>([&] {
              mlp::dataset_from_idx<double>(images, four, {0, 2}, classes);
            }).find("holds 5 images but " + four + " holds 4 labels"),
            std::string::npos);
}

}  // namespace
