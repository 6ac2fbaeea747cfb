// Building a Dataset from the rows of a CSV table in two passes, holding no row (internal to
// src/data): the first pass tallies what the columns hold (ColumnEncoderFit, the target's kind,
// the number of rows), the second encodes each row straight into the feature matrix, allocated
// once at its final size. The rows come from a RowSource: a CsvReader over a file (read_dataset)
// or a CsvTable in memory (dataset_from_csv), so both give the same data by the same code.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mlp/data/csv_reader.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/data/read_dataset.hpp"

namespace mlp::detail {

// The rows of a table, read twice.
class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual const std::string& source() const = 0;
  virtual const std::vector<std::string>& header() const = 0;
  virtual const CsvOptions& dialect() const = 0;
  // The next row's fields and the line where it starts; false after the last.
  virtual bool next(const std::vector<std::string>*& fields, std::size_t& line) = 0;
  // Back to the first row.
  virtual void rewind() = 0;
  // The share of the input read so far (0 to 1), when its size is known; 0 otherwise.
  virtual double share_read() const { return 0.0; }
  // What to add to a message about a column the header lacks: how the header was read, when a
  // wrong delimiter may be the cause.
  virtual std::string hint() const { return {}; }
};

// The rows of a CsvTable.
class TableRows : public RowSource {
 public:
  explicit TableRows(const CsvTable& table) : table_(table) {}
  const std::string& source() const override { return table_.source; }
  const std::vector<std::string>& header() const override { return table_.header; }
  const CsvOptions& dialect() const override { return table_.dialect; }
  bool next(const std::vector<std::string>*& fields, std::size_t& line) override;
  void rewind() override { row_ = 0; }

 private:
  const CsvTable& table_;
  std::size_t row_ = 0;
};

// The rows of a started CsvReader; its DataErrors get `hint` appended (the dialect used).
class ReaderRows : public RowSource {
 public:
  ReaderRows(CsvReader& reader, std::string hint) : reader_(reader), hint_(std::move(hint)) {}
  const std::string& source() const override { return reader_.source(); }
  const std::vector<std::string>& header() const override { return reader_.header(); }
  const CsvOptions& dialect() const override { return reader_.dialect(); }
  bool next(const std::vector<std::string>*& fields, std::size_t& line) override;
  void rewind() override;
  double share_read() const override;
  std::string hint() const override { return hint_; }

 private:
  CsvReader& reader_;
  std::string hint_;
  CsvRecord record_;
};

// The CSV reader started with the dialect ReadOptions asks for, else the model's, else the one
// detected from its first lines; its DataErrors say which dialect was used and where it came
// from (the rows' hint).
ReaderRows start_csv_table(CsvReader& reader, const ReadOptions& options);

// The value of a numeric field as Scalar, or the message about it ("FILE:LINE:COL: column 'NAME':
// 'abc' is not a number"); `what` names the value in the message for an empty field.
template <class Scalar>
std::optional<std::string> number_field(const RowSource& rows, std::size_t line, std::size_t column,
                                        const std::string& field, const char* what, Scalar& value);

// The class of a label for a model trained with `class_names`: by name (trimmed), or by numeric
// value when every class name is a number.
class ClassLookup {
 public:
  explicit ClassLookup(const std::vector<std::string>& class_names);
  // The class index, or the message about the label (empty or unknown).
  std::optional<std::string> find(const RowSource& rows, std::size_t line, std::size_t column,
                                  const std::string& field, int& index) const;

 private:
  const std::vector<std::string>& class_names_;
  std::map<std::string, int, std::less<>> by_name_;
  std::map<double, int> by_value_;
  bool all_numeric_ = true;
};

// Data to train on (dataset_from_csv's rules and errors; dataset.hpp).
template <class Scalar>
Dataset<Scalar> training_dataset(RowSource& rows, const std::string& target,
                                 const ColumnOptions& columns, std::optional<Task> task);

// Data to train on, read in shards (docs/distributed.md): this process reads only the rows of
// its stripes (`rows`: a reader of them, CsvReader::read_range); what the columns and the target
// hold is tallied stripe by stripe, every stripe's tallies are exchanged by the caller and merged
// in stripe order, so that every process builds the same encoder, task and classes, those of
// all the rows (ColumnEncoderFit::add_tally). training_dataset's rules and errors otherwise.
//
//   TrainingShard shard(rows, "y", columns, std::nullopt);
//   auto mine = shard.tally_stripes({120, 121});  // pass 1: each of this process's stripes' rows
//   shard.merge(every_stripes_tally, first);      // all of them in stripe order; first: mine
//   Dataset<float> data = shard.read<float>();    // pass 2: this process's rows
class TrainingShard {
 public:
  // DataError when the target or the sample weight column is not in the header.
  TrainingShard(RowSource& rows, const std::string& target, const ColumnOptions& columns,
                std::optional<Task> task);
  ~TrainingShard();
  TrainingShard(const TrainingShard&) = delete;
  TrainingShard& operator=(const TrainingShard&) = delete;

  // Pass 1: the tallies of this process's stripes, `file_rows` the data rows of each (blank lines
  // not counted), one list of exact doubles per stripe; the columns `past_numbers` counted past
  // 1,024 distinct numbers (ColumnEncoderFit::count_past_numbers).
  std::vector<std::vector<double>> tally_stripes(const std::vector<std::size_t>& file_rows,
                                                 const std::vector<std::size_t>& past_numbers);
  // Sums values over every process, in place: a collective call (exact for integers).
  using SumOverProcesses = std::function<void(std::span<double>)>;
  // Every stripe's tallies, in stripe order; this process's stripes start at `first_mine`.
  // Returns the columns to tally again past 1,024 distinct numbers
  // (ColumnEncoderFit::columns_counted_short), none of those of the last tally_stripes: then call
  // tally_stripes with them added to those and merge again; empty when merged. A column the
  // stripes' spans leave the row-number rule unsettled for (a shuffled id,
  // ColumnEncoderFit::unsettled_row_numbers) is read again and its integers summed over the
  // processes with `sum`, which every process calls as many times. DataError as training_dataset:
  // no target values, one class.
  std::vector<std::size_t> merge(const std::vector<std::span<const double>>& stripes,
                                 std::size_t first_mine, const SumOverProcesses& sum);
  // After merge: each stripe's rows with a target value (every stripe's).
  const std::vector<std::size_t>& stripe_rows() const { return stripe_rows_; }
  // Pass 2: this process's rows (its stripes', in file order) as training_dataset encodes them,
  // with the classes of all the rows; rows_without_target counts those of all the rows. Sample
  // weights that are all 0 are not refused here (only over all the processes).
  template <class Scalar>
  Dataset<Scalar> read();

 private:
  struct State;
  // Whether the integers of `span`'s column are all distinct over every process.
  bool integers_distinct(const ColumnEncoderFit::IntegerSpan& span, const SumOverProcesses& sum);

  RowSource& rows_;
  std::string target_;
  ColumnOptions columns_;  // the sample weight column added to the ignored ones
  std::optional<Task> task_;
  std::size_t target_column_ = 0, weight_column_ = std::string::npos;
  std::size_t mine_ = 0;                   // this process's stripes
  std::vector<std::size_t> past_numbers_;  // the columns of the last tally_stripes
  std::vector<std::size_t> stripe_rows_;
  std::unique_ptr<State> state_;
};

// Data for a trained model (read_dataset's rules with ReadOptions::model): `data` holds the
// model's names and task on entry.
template <class Scalar>
void model_dataset(RowSource& rows, const ReadOptions& options, const ModelInputs& model,
                   Dataset<Scalar>& data);

}  // namespace mlp::detail
