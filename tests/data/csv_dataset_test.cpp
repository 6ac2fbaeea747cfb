// The streamed read of a CSV file (read_dataset: two passes over the file, no row held) gives
// exactly the data that dataset_from_csv builds from the table parsed in memory, from a regular
// file and from a FIFO, for training and for a trained model; and the inference rules that the
// streamed tallies implement without holding the rows (shuffled row numbers, many distinct texts).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <random>
#include <thread>

#include "mlp/core/error.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/data/read_dataset.hpp"
#include "support/files.hpp"
#include "support/idx_files.hpp"

namespace {

using mlp::test::TempDir;

// A messy table of `rows` rows (more than one 1 MiB read): numbers with gaps, text categories,
// yes/no values, a free-text column, shuffled ids (not consecutive once the rows without a
// label are left out), sample weights, a text target with gaps.
std::string messy_csv(std::size_t rows) {
  std::mt19937 rng(11);
  std::vector<std::size_t> ids(rows);
  for (std::size_t i = 0; i < rows; ++i) ids[i] = 1000 + i;
  std::shuffle(ids.begin(), ids.end(), rng);
  const char* colours[] = {"red", "green", "blue", "\"dark, blue\"", "NA", ""};
  const char* answers[] = {"yes", "no", "Y", "n", ""};
  const char* classes[] = {"alpha", "beta", "gamma", "NA"};
  std::string text = "id,x,colour,ok,note,w,label\n";
  for (std::size_t i = 0; i < rows; ++i) {
    const double x = std::uniform_real_distribution<double>(-50, 50)(rng);
    text += std::to_string(ids[i]) + "," + (rng() % 17 == 0 ? "" : std::to_string(x)) + "," +
            colours[rng() % 6] + "," + answers[rng() % 5] + ",\"note " + std::to_string(rng()) +
            "\"," + std::to_string(rng() % 4) + "," + classes[rng() % 4] + "\n";
  }
  return text;
}

template <class Scalar>
void expect_same(const mlp::Dataset<Scalar>& a, const mlp::Dataset<Scalar>& b) {
  ASSERT_EQ(a.features.rows(), b.features.rows());
  ASSERT_EQ(a.features.cols(), b.features.cols());
  EXPECT_TRUE((a.features.array() == b.features.array()).all());
  EXPECT_EQ(a.feature_names, b.feature_names);
  EXPECT_EQ(a.task, b.task);
  EXPECT_EQ(a.class_names, b.class_names);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_TRUE((a.targets.array() == b.targets.array()).all());
  EXPECT_EQ(a.sample_weight, b.sample_weight);
  EXPECT_EQ(a.rows_without_target, b.rows_without_target);
  ASSERT_TRUE(a.encoder && b.encoder);
  EXPECT_EQ(a.encoder->to_json(), b.encoder->to_json());
}

// Writes `text` into a new FIFO at `path` from a thread; join the thread after reading.
std::thread fifo_writer(const std::string& path, const std::string& text) {
  EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0);
  return std::thread([path, text] { std::ofstream(path, std::ios::binary) << text; });
}

TEST(CsvDataset, StreamedFileAndFifoGiveTheDataOfTheTableInMemory) {
  const std::string text = messy_csv(30000);
  ASSERT_GT(text.size(), std::size_t(1) << 20);
  TempDir dir("mlp_csv_dataset_test");
  const std::string file = dir.file("t.csv", mlp::test::Bytes(text.begin(), text.end()));
  mlp::ColumnOptions columns;
  columns.sample_weight = "w";
  const auto in_memory = mlp::dataset_from_csv<float>(mlp::parse_csv(text, file), "label", columns);
  EXPECT_EQ(in_memory.encoder->columns[4].role, mlp::ColumnRole::ignored);  // free text
  EXPECT_GT(in_memory.rows_without_target, 0u);

  mlp::ReadOptions options;
  options.target = "label";
  options.columns = columns;
  expect_same(mlp::read_dataset<float>(file, options), in_memory);

  const std::string fifo = dir / "t.fifo";
  std::thread writer = fifo_writer(fifo, text);
  mlp::Dataset<float> from_fifo;
  try {
    from_fifo = mlp::read_dataset<float>(fifo, options);
  } catch (...) {
    writer.join();
    throw;
  }
  writer.join();
  expect_same(from_fifo, in_memory);
}

TEST(CsvDataset, StreamedReadForAModelEncodesAsTheEncoderDoesInMemory) {
  const std::string text = messy_csv(30000);
  TempDir dir("mlp_csv_dataset_test");
  const std::string file = dir.file("t.csv", mlp::test::Bytes(text.begin(), text.end()));
  const auto trained = mlp::dataset_from_csv<double>(mlp::parse_csv(text, file), "label");
  mlp::ReadOptions options;
  mlp::ModelInputs& model = options.model.emplace();
  model.feature_names = trained.feature_names;
  model.task = trained.task;
  model.class_names = trained.class_names;
  model.target = "label";
  model.encoder = trained.encoder;
  model.dialect = trained.csv_dialect;
  options.keep_columns = {"id"};
  const auto data = mlp::read_dataset<double>(file, options);
  // The trained data skipped the rows without a label; so does the model's read.
  EXPECT_TRUE((data.features.array() == trained.features.array()).all());
  EXPECT_EQ(data.labels, trained.labels);
  EXPECT_EQ(data.rows_without_target, trained.rows_without_target);
  ASSERT_EQ(data.kept_columns.size(), 1u);
  ASSERT_EQ(data.kept_columns[0].size(), static_cast<std::size_t>(data.size()));
  const mlp::CsvTable table = mlp::parse_csv(text, file);
  std::size_t first_kept = 0;
  while (table.rows[first_kept][6] == "NA") ++first_kept;
  EXPECT_EQ(data.kept_columns[0][0], table.rows[first_kept][0]);
}

TEST(CsvDataset, ConsecutiveIntegersInAnyOrderAreARowNumberButARepeatIsNot) {
  std::string shuffled = "n,x,y\n", repeated = "n,x,y\n";
  std::vector<int> order(40);
  for (int i = 0; i < 40; ++i) order[static_cast<std::size_t>(i)] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::string row = "," + std::to_string(i % 7) + "," + std::to_string(i % 2) + "\n";
    shuffled += std::to_string(order[i]) + row;
    // 0..39 with 5 written twice and 39 left out: the range is 39 values for 40 rows.
    repeated += std::to_string(i == 39 ? 5 : order[i] == 39 ? 38 : order[i]) + row;
  }
  const auto a = mlp::dataset_from_csv<float>(mlp::parse_csv(shuffled, "a.csv"), "y");
  EXPECT_EQ(a.encoder->columns[0].role, mlp::ColumnRole::ignored);
  const auto b = mlp::dataset_from_csv<float>(mlp::parse_csv(repeated, "b.csv"), "y");
  EXPECT_EQ(b.encoder->columns[0].role, mlp::ColumnRole::numeric);
}

TEST(CsvDataset, MoreThan65536DistinctTextsAreNotCountedFurtherAndNotUsed) {
  // 70000 distinct texts, each twice: by the half-distinct rule alone, a categorical column
  // of 70000 features; beyond 65536 distinct values the column is ignored instead.
  std::string text = "code,x,y\n";
  for (int repeat = 0; repeat < 2; ++repeat)
    for (int i = 0; i < 70000; ++i)
      text += std::string(1, 'c') + std::to_string(i) + "," + std::to_string(i % 13) + "," +
              std::to_string(i % 2) + "\n";
  const auto data = mlp::dataset_from_csv<float>(mlp::parse_csv(text, "c.csv"), "y");
  const mlp::ColumnEncoding& code = data.encoder->columns[0];
  EXPECT_EQ(code.role, mlp::ColumnRole::ignored);
  EXPECT_EQ(code.why,
            "more than 65536 distinct values in 140000 rows (an identifier or free text)");
  EXPECT_EQ(data.features.cols(), 1);
}

// A column of numbers stops counting its distinct values at 1024 (a wide table of measurements
// would otherwise hold up to 65536 strings a column): it stays numeric, and should more than 10%
// text follow, it is ignored as a column with that many distinct values.
TEST(CsvDataset, ManyDistinctNumbersStayNumericAndTextAfterThemIsIgnored) {
  std::string numbers = "v,x,y\n", mixed = "v,x,y\n";
  for (int i = 0; i < 3000; ++i) {
    const std::string value = std::to_string(i * 0.5 - 400.25);
    std::string rest = ",";
    rest += std::to_string(i % 7);
    rest += i % 2 ? ",1\n" : ",0\n";
    numbers += value + rest;
    const char* const words[] = {"low", "high", "none"};
    mixed += (i >= 2000 && i % 2 == 0 ? std::string(words[i % 3]) : value) + rest;
  }
  const auto a = mlp::dataset_from_csv<double>(mlp::parse_csv(numbers, "a.csv"), "y");
  EXPECT_EQ(a.encoder->columns[0].role, mlp::ColumnRole::numeric);
  EXPECT_DOUBLE_EQ(a.features(2999, 0), 2999 * 0.5 - 400.25);
  const auto b = mlp::dataset_from_csv<double>(mlp::parse_csv(mixed, "b.csv"), "y");
  EXPECT_EQ(b.encoder->columns[0].role, mlp::ColumnRole::ignored);
  EXPECT_EQ(b.encoder->columns[0].why,
            "more than 1024 distinct values in 3000 rows (an identifier or free text)");
}

// The row-number rule keeps one bit per integer between the smallest and the largest, not the
// values: ids in descending order, negative ids, and a range far wider than the rows.
TEST(CsvDataset, RowNumbersAreFoundInAnyOrderAndRangeWithoutHoldingTheValues) {
  const auto role_of = [](const std::function<long long(int)>& id, int rows) {
    std::string text = "id,x,y\n";
    for (int i = 0; i < rows; ++i)
      text +=
          std::to_string(id(i)) + "," + std::to_string(i % 7) + "," + std::to_string(i % 2) + "\n";
    return mlp::dataset_from_csv<float>(mlp::parse_csv(text, "ids.csv"), "y")
        .encoder->columns[0]
        .role;
  };
  EXPECT_EQ(role_of([](int i) { return 5000 - i; }, 5000), mlp::ColumnRole::ignored);
  EXPECT_EQ(role_of([](int i) { return -70 - i; }, 300), mlp::ColumnRole::ignored);
  EXPECT_EQ(role_of([](int i) { return (i * 7919LL) % 4001 + 1000000; }, 4001),
            mlp::ColumnRole::ignored);  // a permutation of 1000000..1004000
  // Integers 2^28 apart: distinct but not consecutive (and beyond the bitset's span).
  EXPECT_EQ(role_of([](int i) { return i * (1LL << 28); }, 100), mlp::ColumnRole::numeric);
  // 0..999 with 499 in the place of 500: as many integers in the range as rows, one repeated.
  EXPECT_EQ(role_of([](int i) { return i == 500 ? 499 : i; }, 1000), mlp::ColumnRole::numeric);
}

}  // namespace
