// read_dataset: the format of a file recognised by its first bytes and read by its reader, for
// training and for a trained model; small hand-made CSV and IDX files, raw and gzipped.
#include "mlp/data/read_dataset.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <thread>

#include "mlp/core/error.hpp"
#include "support/exception_message.hpp"
#include "support/files.hpp"
#include "support/idx_files.hpp"

namespace {

using mlp::test::TempDir;

namespace fs = std::filesystem;
using mlp::test::bytes;
using mlp::test::Bytes;
using mlp::test::idx;
using mlp::test::message_of;

// Three 2x2 images labelled 7, 0, 7.
const Bytes kIdxImages = idx(2051, {3, 2, 2}, bytes({0, 255, 51, 102, 1, 2, 3, 4, 255, 0, 0, 0}));
const Bytes kIdxLabels = idx(2049, {3}, bytes({7, 0, 7}));
const std::string kCsv = "a,b,kind\n1,2,x\n3,4,y\n5,6,x\n";

mlp::ReadOptions with_labels(const std::string& labels_path) {
  mlp::ReadOptions options;
  options.labels_path = labels_path;
  return options;
}

void expect_idx_data(const mlp::Dataset<double>& data) {
  ASSERT_EQ(data.size(), 3);
  ASSERT_EQ(data.features.cols(), 4);
  EXPECT_DOUBLE_EQ(data.features(0, 1), 1.0);
  EXPECT_DOUBLE_EQ(data.features(0, 2), 0.2);
  EXPECT_EQ(data.task, mlp::Task::classification);
  EXPECT_EQ(data.class_names, (std::vector<std::string>{"0", "7"}));
  EXPECT_EQ(data.labels, (std::vector<int>{1, 0, 1}));
}

TEST(ReadDataset, DetectsTheFormatFromTheFirstBytes) {
  TempDir dir("mlp_read_dataset_test");
  EXPECT_EQ(mlp::detect_format(dir.file("t.csv", kCsv)), mlp::DataFormat::csv);
  EXPECT_EQ(mlp::detect_format(dir.file("images", kIdxImages)), mlp::DataFormat::idx);
  EXPECT_EQ(mlp::detect_format(dir.file("labels", kIdxLabels)), mlp::DataFormat::idx);
  EXPECT_EQ(mlp::detect_format(dir.gzip_file("images.gz", kIdxImages)), mlp::DataFormat::idx);
  EXPECT_EQ(mlp::detect_format("-"), mlp::DataFormat::csv);
  EXPECT_EQ(mlp::detect_format(dir.file("short", "ab")), mlp::DataFormat::csv);
  EXPECT_EQ(mlp::to_string(mlp::DataFormat::idx), "idx");
  EXPECT_EQ(mlp::data_format_from_string("csv"), mlp::DataFormat::csv);
  EXPECT_THROW(mlp::data_format_from_string("npy"), mlp::InvalidArgument);
}

TEST(ReadDataset, ReadsACsvTableWithItsTarget) {
  TempDir dir("mlp_read_dataset_test");
  mlp::ReadOptions options;
  options.target = "kind";
  const auto data = mlp::read_dataset<double>(dir.file("t.csv", kCsv), options);
  ASSERT_EQ(data.size(), 3);
  EXPECT_EQ(data.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(data.class_names, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(data.labels, (std::vector<int>{0, 1, 0}));
  EXPECT_DOUBLE_EQ(data.features(2, 1), 6.0);

  options.delimiter = ';';
  options.columns.ignore = {"b"};
  const auto semicolons =
      mlp::read_dataset<float>(dir.file("s.csv", "a;b;kind\n1;2;x\n3;4;y\n"), options);
  EXPECT_EQ(semicolons.feature_names, (std::vector<std::string>{"a"}));
}

TEST(ReadDataset, ReadsIdxImagesRawAndGzipped) {
  TempDir dir("mlp_read_dataset_test");
  expect_idx_data(mlp::read_dataset<double>(dir.file("images", kIdxImages),
                                            with_labels(dir.file("labels", kIdxLabels))));
  expect_idx_data(mlp::read_dataset<double>(dir.gzip_file("images.gz", kIdxImages),
                                            with_labels(dir.gzip_file("labels.gz", kIdxLabels))));
}

TEST(ReadDataset, ReadsDataForATrainedModel) {
  TempDir dir("mlp_read_dataset_test");
  mlp::ModelInputs model;
  model.feature_names = {"b", "a"};
  model.class_names = {"x", "y"};
  model.target = "kind";
  mlp::ReadOptions options;
  options.model = model;
  const auto data = mlp::read_dataset<double>(dir.file("t.csv", kCsv), options);
  EXPECT_DOUBLE_EQ(data.features(0, 0), 2.0);  // the model's column order
  EXPECT_EQ(data.labels, (std::vector<int>{0, 1, 0}));

  model.format = mlp::DataFormat::idx;
  model.feature_names.assign(4, "pixel");
  model.class_names = {"0", "7"};
  options.model = model;
  options.labels_path = dir.file("labels", kIdxLabels);
  const auto images = mlp::read_dataset<double>(dir.file("images", kIdxImages), options);
  EXPECT_EQ(images.labels, (std::vector<int>{1, 0, 1}));
  options.features_only = true;
  options.labels_path.clear();
  EXPECT_EQ(mlp::read_dataset<double>(dir.file("images", kIdxImages), options).size(), 3);
}

TEST(ReadDataset, ReadsAPipeOnce) {
  // A FIFO can be read only once: the format and the dialect come from the same bytes.
  TempDir dir("mlp_read_dataset_test");
  const std::string fifo = dir / "pipe.csv";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(fifo) << "a;b;kind\n1,5;2;x\n3;4,25;y\n5;6;x\n"; });
  mlp::ReadOptions options;
  options.target = "kind";
  const auto data = mlp::read_dataset<double>(fifo, options);
  writer.join();
  ASSERT_EQ(data.size(), 3);
  EXPECT_EQ(data.features(0, 0), 1.5);
  EXPECT_EQ(data.features(1, 1), 4.25);
  ASSERT_TRUE(data.csv_dialect.has_value());
  EXPECT_EQ(data.csv_dialect->delimiter, ';');
  EXPECT_EQ(data.csv_dialect->decimal, ',');
  EXPECT_EQ(mlp::detect_format(fifo), mlp::DataFormat::csv);  // a pipe is not read to detect
}

TEST(ReadDataset, AParseErrorNamesTheDialect) {
  TempDir dir("mlp_read_dataset_test");
  const std::string path = dir / "semi.csv";
  std::ofstream(path) << "a;b;kind\n1;2;x\n3;4;y;z\n";
  mlp::ReadOptions options;
  options.target = "kind";
  const std::string detected =
      message_of<mlp::DataError>([&] { mlp::read_dataset<double>(path, options); });
  EXPECT_EQ(detected, path +
                          ":3:7: expected 3 fields (as in the header), got 4 [read with delimiter "
                          "';', decimal mark '.', detected from the first lines; set the "
                          "delimiter and decimal mark if that is wrong]");
  options.delimiter = ';';
  options.decimal = '.';
  EXPECT_NE(message_of<mlp::DataError>([&] {
              mlp::read_dataset<double>(path, options);
            }).find("[read with delimiter ';', decimal mark '.', given;"),
            std::string::npos);
}

TEST(ReadDataset, RejectsOptionsThatDoNotFitTheFile) {
  TempDir dir("mlp_read_dataset_test");
  const std::string images = dir.file("images", kIdxImages);
  const std::string csv = dir.file("t.csv", kCsv);
  EXPECT_EQ(message_of<mlp::InvalidArgument>([&] { mlp::read_dataset<double>(images); }),
            images + " holds IDX images: their labels file is needed too");
  EXPECT_EQ(message_of<mlp::InvalidArgument>([&] { mlp::read_dataset<double>(csv); }),
            csv + " is read as CSV: name its target column (the column to predict)");
  EXPECT_EQ(message_of<mlp::InvalidArgument>(
                [&] { mlp::read_dataset<double>(csv, with_labels(images)); }),
            "a labels file is for IDX images; " + csv + " is read as CSV");
  mlp::ReadOptions regression = with_labels(dir.file("labels", kIdxLabels));
  regression.task = mlp::Task::regression;
  EXPECT_THROW(mlp::read_dataset<double>(images, regression), mlp::InvalidArgument);
}

TEST(ReadDataset, ReportsBadOrUnknownInput) {
  TempDir dir("mlp_read_dataset_test");
  mlp::ReadOptions options;
  options.target = "kind";
  EXPECT_THROW(mlp::read_dataset<double>(dir.file("binary", bytes({1, 2, 0, 4, 5})), options),
               mlp::DataError);
  EXPECT_THROW(
      mlp::read_dataset<double>((fs::temp_directory_path() / "no_such.csv").string(), options),
      mlp::DataError);
  // IDX magic but the data is cut short.
  const std::string cut = dir.file("cut", idx(2051, {3, 2, 2}, bytes({1, 2})));
  EXPECT_THROW(mlp::read_dataset<double>(cut, with_labels(dir.file("labels", kIdxLabels))),
               mlp::DataError);

  mlp::ModelInputs model;
  model.feature_names = {"a", "b"};
  options.model = model;
  const std::string images = dir.file("images", kIdxImages);
  options.features_only = true;
  EXPECT_EQ(message_of<mlp::DataError>([&] { mlp::read_dataset<double>(images, options); }),
            images + ": this is IDX data but the model was trained on CSV columns 'a', 'b'");
  model.format = mlp::DataFormat::idx;
  options.model = model;
  const std::string csv = dir.file("t.csv", kCsv);
  EXPECT_EQ(message_of<mlp::DataError>([&] { mlp::read_dataset<double>(csv, options); }),
            csv + ": the model was trained on IDX images but this file is not one");
}

}  // namespace
