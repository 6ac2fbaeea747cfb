// Turning the columns of a real table (numbers, text categories, yes/no, gaps) into the feature
// matrix a network takes: the roles and encodings are fitted once on the training table, stored
// in the model (to_json) and applied unchanged to every later table (transform).
//
//   mlp::ColumnOptions options;                    // defaults: roles inferred from the values
//   options.ordinal.push_back({"size", {"S", "M", "L"}});
//   auto encoder = mlp::ColumnEncoder::fit(table, "survived", options);
//   for (const auto& c : encoder.columns) std::cout << c.name << " " << to_string(c.role) << " "
//                                                   << c.why << "\n";
//   auto encoded = encoder.transform<float>(other_table);  // same columns, any order
//   encoded.features;      // rows x encoder.feature_names().size()
//   encoded.row_problems;  // rows that cannot be used (a text value in a numeric column, ...)
//
// Roles, inferred from the non-missing values of the training table unless asked for:
//   - numeric: every value is a number (or at least 90% are: the others are then problems to fix,
//     each reported with its position). One feature, standardised by the model's scaler.
//     Exception: consecutive integers, one per row, in 20 rows or more (a row number) are ignored.
//   - boolean: every value is one of true/false, yes/no, y/n, t/f (any case). One 0/1 feature.
//   - categorical: text with few distinct values. One 0/1 feature per category seen at least
//     min(min_category_count, rows / 20) times (at least once), in sorted order; then one
//     "(other)" feature when some categories were rarer (they and any category first seen after
//     training go there; without that slot an unseen category is all zeros); then one
//     "(missing)" feature when the training column had gaps.
//   - ordinal (only when asked for): codes 0, 1, ... in the given order (default: the values
//     sorted, by value when they are all numbers). One feature, standardised. A value outside the
//     order is a problem.
//   - ignored: asked for, a column with no values, or text where more than half of the values are
//     distinct and there are more than 10 distinct values (names, tickets, ids, free text), or
//     more than 65536 distinct values (then they are not counted further nor held in memory).
// Missing values: an empty field or one of na_values (compared ignoring case and the spaces
// around). Imputation: numeric and ordinal gaps get the training mean, boolean gaps the training
// fraction of true; categorical gaps the "(missing)" slot, or the most frequent category when
// the training column had no gaps. With missing_indicators, a numeric, boolean or ordinal column
// with gaps in training gets one more 0/1 feature "NAME=(missing)".
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/data/csv.hpp"

namespace mlp {

enum class ColumnRole { numeric, boolean, categorical, ordinal, ignored };

// "numeric", "boolean", "categorical", "ordinal" or "ignored".
std::string_view to_string(ColumnRole role);

// Parses the names of to_string(ColumnRole); throws InvalidArgument otherwise.
ColumnRole column_role_from_string(std::string_view name);

// The values that mean "missing" besides an empty field: NA, N/A, NaN, null, ?, #N/A.
std::vector<std::string> default_na_values();

struct OrdinalColumn {
  std::string name;
  std::vector<std::string> order;  // lowest first; empty: the training values, sorted
};

// Choices about the columns, all optional: the roles asked for override the inferred ones.
struct ColumnOptions {
  std::vector<std::string> ignore;       // columns that are not features
  std::vector<std::string> categorical;  // one-hot, even when the values are numbers
  std::vector<std::string> numeric;      // numbers, even when the guess says otherwise
  std::vector<OrdinalColumn> ordinal;    // ordered levels
  std::vector<std::string> na_values = default_na_values();
  bool missing_indicators = false;     // a 0/1 feature per column with gaps (see above)
  std::size_t min_category_count = 5;  // rarer categories share the "(other)" slot
  // To train: a column of per-sample weights (numbers >= 0), read into Dataset::sample_weight
  // and not a feature. Empty: every sample weighs 1.
  std::string sample_weight;
};

// How one column of the training table is used.
struct ColumnEncoding {
  std::string name;
  ColumnRole role = ColumnRole::numeric;
  std::string why;                      // a short reason for a person ("12 text values")
  std::size_t missing = 0;              // training rows with a gap in this column
  double fill = 0.0;                    // numeric, boolean, ordinal: the value of a gap
  std::vector<std::string> categories;  // categorical: one feature each; ordinal: the order
  bool other_slot = false;              // categorical: rare and unseen categories
  bool missing_slot = false;            // categorical: gaps
  std::string most_frequent;            // categorical without a missing slot: a gap's category
  bool indicator = false;               // a 0/1 "NAME=(missing)" feature follows

  // The number of features this column becomes.
  std::size_t width() const;
};

// A value of a row that cannot be used.
struct RowProblem {
  std::size_t row = 0;  // index into the table's rows
  std::string message;  // "FILE:LINE:COL: column 'NAME': what (what to do)"
};

// A value of a row that cannot be encoded: its field (index into the row) and why.
struct FieldProblem {
  std::size_t column = 0;
  std::string what;  // "'abc' is not a number (...)"
};

// "FILE:LINE:COL: column 'NAME': ", the start of a message about a field (COL: column + 1).
std::string field_position(const std::string& source, const std::vector<std::string>& header,
                           std::size_t line, std::size_t column);

// The encoded features of a table, and the rows that could not be encoded.
template <class Scalar>
struct EncodedTable {
  Matrix<Scalar> features;               // rows x features (a problem row holds the fill values)
  std::vector<RowProblem> row_problems;  // in row order, every problem of every row
};

struct ColumnEncoder {
  std::vector<ColumnEncoding> columns;  // the training table's columns but the target, in order
  std::vector<std::string> na_values;   // as in ColumnOptions

  // Infers the role of every column of `table` but `target` (none when empty) and fits its
  // encoding, following the rules above. Throws DataError when a column named in `options` is
  // not in the table (listing the table's columns) or no feature is left, InvalidArgument when a
  // column is given two roles or the target is given one.
  static ColumnEncoder fit(const CsvTable& table, const std::string& target,
                           const ColumnOptions& options);

  // The names of the features, in order: "age", "sex=female", "sex=(other)", "age=(missing)".
  std::vector<std::string> feature_names() const;
  // Per feature: whether the model's scaler standardises it (numeric and ordinal features; not
  // the 0/1 ones).
  std::vector<bool> standardized_features() const;

  // The features of `table`, whose columns are found by name (any order; extra columns are not
  // used; ignored columns need not be there). Numbers are read with table.dialect.decimal. A
  // value that cannot be encoded (text in a numeric column, a value that is not boolean in a
  // boolean column or outside an ordinal's order, a number too large for Scalar) adds a problem
  // for its row. Throws DataError when a needed column is missing, naming it and the table's
  // columns that are not used.
  template <class Scalar>
  EncodedTable<Scalar> transform(const CsvTable& table) const;

  // transform, one row at a time (for a reader that streams the rows). locate: the index in
  // `header` of each of `columns` (npos for ignored ones), or the DataError of transform.
  std::vector<std::size_t> locate(const std::vector<std::string>& header,
                                  const std::string& source) const;
  // The features of one row's `fields` into `features` (feature_names().size() values, zero on
  // entry); each value that cannot be encoded adds a FieldProblem (its feature holds the fill).
  template <class Scalar>
  void encode_row(const std::vector<std::string>& fields, const std::vector<std::size_t>& located,
                  char decimal, Scalar* features, std::vector<FieldProblem>& problems) const;

  // The encoder as the text of a JSON object; from_json reads it back (ModelFileError naming the
  // bad field otherwise).
  std::string to_json() const;
  static ColumnEncoder from_json(std::string_view json_text);
};

// ColumnEncoder::fit one row at a time, for a reader that streams the rows (read_dataset): it
// holds per column the counts of its distinct values (up to 65536 for a column no option names)
// and the tallies of numbers, yes/no values and gaps, never the rows.
//
//   mlp::ColumnEncoderFit fit(header, "data.csv", "target", options, '.');
//   for (each row) fit.add(fields);      // rows whose target is missing are left out
//   mlp::ColumnEncoder encoder = fit.finish();
class ColumnEncoderFit {
 public:
  // The errors of ColumnEncoder::fit about the names in `options` (header: the table's columns,
  // source: its name in messages; decimal: the decimal mark of its numbers).
  ColumnEncoderFit(const std::vector<std::string>& header, const std::string& source,
                   const std::string& target, const ColumnOptions& options, char decimal);
  ~ColumnEncoderFit();
  ColumnEncoderFit(const ColumnEncoderFit&) = delete;
  ColumnEncoderFit& operator=(const ColumnEncoderFit&) = delete;

  // One row's fields, in the header's order.
  void add(const std::vector<std::string>& fields);
  // The features the rows added so far will give at least, were no other kind of value to
  // follow: one per column of numbers or yes/no words, or asked a role other than ignored (a
  // categorical column's one-hot features are counted as one).
  std::size_t features_so_far() const;
  // The encoder of the rows added (called once). DataError when no feature column is left.
  ColumnEncoder finish();

  // Sharded tables (docs/distributed.md): the tallies of the rows added, appended to `out` as
  // exact doubles, for another process; and a stripe's tallies (one write_tally) added to these,
  // stripe after stripe, as if its rows had been added one at a time. The differences from
  // adding the rows: a numeric column's sum is the stripes' sums added; the row-number rule needs
  // the stripes' integers in spans that do not overlap, or settle_row_number; a stripe that
  // stopped counting a column's distinct numbers after another stripe's text needs them counted
  // again (columns_counted_short) (docs/distributed.md). The fits must have the same header and
  // options.
  void write_tally(std::vector<double>& out) const;
  void add_tally(std::span<const double> tally);
  // After add_tally: the columns (indices into the header) whose role depends on distinct values
  // a stripe stopped counting at 1,024 numbers, when an earlier stripe held text (so that the rows
  // added one at a time would have gone on counting). Tallied again by stripe with
  // count_past_numbers on the stripes' fits, and added to a new fit, their encoding is exact.
  std::vector<std::size_t> columns_counted_short() const;
  // Counts the distinct values of `column` past 1,024 numbers (up to 65,536), for
  // columns_counted_short.
  void count_past_numbers(std::size_t column);
  // After add_tally: the columns (indices into the header) whose row-number rule the stripes'
  // spans cannot settle: integers, as many as from the smallest to the largest, each stripe's
  // distinct, but in spans that overlap (a shuffled id). With each, its smallest and largest.
  struct IntegerSpan {
    std::size_t column = 0;
    double min = 0.0, max = 0.0;
  };
  std::vector<IntegerSpan> unsettled_row_numbers() const;
  // Settles the rule for such a column: whether all its integers are distinct (then it is a row
  // number).
  void settle_row_number(std::size_t column, bool distinct);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mlp
