#include "mlp/data/column_encoder.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "distinct_integers.hpp"
#include "mlp/core/error.hpp"
#include "number_text.hpp"
#include "tally_blob.hpp"

namespace mlp {

namespace {

using detail::is_missing;
using detail::NumberStatus;
using detail::parse_number;
using detail::show;
using detail::trim;

constexpr std::string_view kOther = "(other)";
constexpr std::string_view kMissing = "(missing)";

// The boolean value of `field`: 1 for true/yes/y/t, 0 for false/no/n/f (any case), -1 otherwise.
int boolean_value(std::string_view field) {
  const std::string_view s = trim(field);
  const auto is = [&](std::string_view word) {
    return s.size() == word.size() &&
           std::equal(s.begin(), s.end(), word.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? static_cast<char>(a + 32) : a) == b;
           });
  };
  if (is("true") || is("yes") || is("y") || is("t")) return 1;
  if (is("false") || is("no") || is("n") || is("f")) return 0;
  return -1;
}

// Hashes a std::string key and a std::string_view lookup alike (no copy per lookup).
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Beyond this many distinct values, a column no option names stops counting new ones: it is
// then an identifier or free text (column_encoder.hpp), and its values are not held.
constexpr std::size_t kMaxDistinct = 65536;
// A column no option names whose values are all numbers stops counting sooner, beyond this many
// distinct values: a numeric column's role and encoding need none of them, and a wide table of
// measurements would otherwise hold up to kMaxDistinct strings in every column. Should text
// follow, a column with this many distinct numbers and over 10% text is ignored.
constexpr std::size_t kMaxDistinctNumbers = 1024;
// The row-number rule's bitset (DistinctIntegers) spans at most this many bits, or 8 a row.
constexpr std::size_t kRowNumberBits = std::size_t(1) << 27;

// What the training values of one column look like, tallied one value at a time.
struct ColumnSummary {
  std::size_t present = 0;      // non-missing values
  std::size_t numbers = 0;      // of them, numbers
  std::size_t booleans = 0;     // of them, boolean words
  double sum = 0.0;             // of the numbers
  double min = 0.0, max = 0.0;  // of the numbers
  bool all_integers = true;     // the numbers are integers
  std::unordered_map<std::string, std::size_t, TextHash, std::equal_to<>>
      counts;                  // trimmed value -> rows (at most kMaxDistinct when capped)
  bool capped = true;          // counts stops at kMaxDistinct values (kMaxDistinctNumbers)
  bool numbers_capped = true;  // ... at kMaxDistinctNumbers while all values are numbers
  // Merged (add_tally): a stripe stopped counting at kMaxDistinctNumbers after another stripe's
  // text, where the rows added one at a time would have gone on.
  bool counted_short = false;
  bool many = false;                  // more distinct values than counts held: counts is emptied
  std::size_t counted = 0;            // when many: the distinct values counted before it stopped
  bool row_number_candidate = true;   // the values may be consecutive integers, one per row
  detail::DistinctIntegers integers;  // while a candidate: which integers were seen
  // The distinct values before the first value that is not a number, when it came after numbers
  // (and counts still held them): what merging stripes in order needs (add_tally).
  std::vector<std::string> leading_numbers;
  // Merged from stripes (add_tally): each stripe's smallest and largest integer, for the
  // row-number rule (the stripes' integers are distinct when these spans do not overlap).
  std::vector<std::pair<double, double>> stripe_spans;
};

// Counts one more `text` in the column's distinct values, until a capped column has more than
// it may hold: then its counts are dropped for good (`many`), as no rule uses them any more.
void count_value(ColumnSummary& s, std::string_view text) {
  if (s.many) return;
  if (const auto it = s.counts.find(text); it != s.counts.end()) {
    ++it->second;
    return;
  }
  const std::size_t cap =
      s.numbers == s.present && s.numbers_capped ? kMaxDistinctNumbers : kMaxDistinct;
  if (!s.capped || s.counts.size() < cap) {
    s.counts.emplace(text, 1);
    return;
  }
  s.many = true;
  s.counted = s.counts.size();
  s.counts = decltype(s.counts)();
}

// Adds one field of the column to `s`.
void tally(ColumnSummary& s, std::string_view field, const std::vector<std::string>& na_values,
           char decimal) {
  if (is_missing(field, na_values)) return;
  ++s.present;
  double value = 0.0;
  if (parse_number(field, value, decimal) == NumberStatus::ok) {
    s.min = s.numbers == 0 ? value : std::min(s.min, value);
    s.max = s.numbers == 0 ? value : std::max(s.max, value);
    ++s.numbers;
    s.sum += value;
    s.all_integers = s.all_integers && value == std::trunc(value);
  } else {
    if (s.numbers > 0 && s.numbers + 1 == s.present && !s.many)
      for (const auto& [text, count] : s.counts) s.leading_numbers.push_back(text);
    if (boolean_value(field) >= 0) ++s.booleans;
  }
  count_value(s, trim(field));
  // A repeated integer, or one that is not an integer, ends the candidacy.
  s.row_number_candidate = s.row_number_candidate && s.numbers == s.present && s.all_integers &&
                           s.integers.add(value, std::max(kRowNumberBits, 8 * s.present));
}

// Consecutive integers, one per row: a row number or an identifier, not a measurement. The
// candidate's integers are distinct (DistinctIntegers), so spanning exactly as many integers as
// there are rows makes them consecutive.
// Whether the stripes' spans of integers overlap (merged from stripes: add_tally).
bool spans_overlap(const ColumnSummary& s) {
  std::vector<std::pair<double, double>> spans = s.stripe_spans;
  std::sort(spans.begin(), spans.end());
  for (std::size_t k = 1; k < spans.size(); ++k)
    if (spans[k].first <= spans[k - 1].second) return true;
  return false;
}

// The row-number rule, but for the distinctness of integers of stripes whose spans overlap.
bool may_be_row_number(const ColumnSummary& s) {
  return s.present >= 20 && s.row_number_candidate &&
         s.max - s.min + 1 == static_cast<double>(s.present);
}

// Merged from stripes, the stripes' integers are distinct when their spans do not overlap, and
// else as settle_row_number says.
bool is_row_number(const ColumnSummary& s) {
  return may_be_row_number(s) && !spans_overlap(s);
}

std::string count_text(std::size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// The role of a column no option names, by the rules in column_encoder.hpp, and why.
void infer_role(ColumnSummary& s, ColumnEncoding& c) {
  const std::size_t distinct = s.counts.size();
  if (s.present == 0) {
    c.role = ColumnRole::ignored;
    c.why = "no values";
  } else if (is_row_number(s)) {
    c.role = ColumnRole::ignored;
    c.why = "consecutive integers, one per row (a row number or id)";
  } else if (s.numbers == s.present) {
    c.role = ColumnRole::numeric;
    c.why = "numbers";
  } else if (s.booleans == s.present) {
    c.role = ColumnRole::boolean;
    c.why = "yes/no values";
  } else if (10 * s.numbers >= 9 * s.present) {
    c.role = ColumnRole::numeric;
    c.why = "numbers, but " + count_text(s.present - s.numbers, "text value");
  } else if (s.many) {
    c.role = ColumnRole::ignored;
    c.why = "more than " + std::to_string(s.counted) + " distinct values in " +
            std::to_string(s.present) + " rows (an identifier or free text)";
  } else if (2 * distinct > s.present && distinct > 10) {
    c.role = ColumnRole::ignored;
    c.why = std::to_string(distinct) + " distinct texts in " + std::to_string(s.present) +
            " rows (an identifier or free text)";
  } else {
    c.role = ColumnRole::categorical;
    c.why = count_text(distinct, "distinct text value");
  }
}

// The levels of an ordinal column without a given order: its values sorted, by value when they
// are all numbers.
std::vector<std::string> sorted_levels(const ColumnSummary& s, char decimal) {
  std::vector<std::string> levels;
  for (const auto& [value, count] : s.counts) levels.push_back(value);
  const bool numbers = s.numbers == s.present;
  std::sort(levels.begin(), levels.end(), [&](const std::string& a, const std::string& b) {
    double x = 0.0, y = 0.0;
    if (numbers && parse_number(a, x, decimal) == NumberStatus::ok &&
        parse_number(b, y, decimal) == NumberStatus::ok && x != y)
      return x < y;
    return a < b;
  });
  return levels;
}

// The categories of a categorical column, its "(other)" and "(missing)" slots and its most
// frequent value: a category is kept when seen at least min(min_count, present / 20) times.
void fit_categories(const ColumnSummary& s, std::size_t min_count, ColumnEncoding& c) {
  const std::size_t threshold = std::max<std::size_t>(1, std::min(min_count, s.present / 20));
  std::size_t best = 0;
  for (const auto& [value, count] : s.counts) {
    if (count >= threshold)
      c.categories.push_back(value);
    else
      c.other_slot = true;
    if (count > best || (count == best && value < c.most_frequent)) {
      best = count;
      c.most_frequent = value;
    }
  }
  std::sort(c.categories.begin(), c.categories.end());
  c.missing_slot = c.missing > 0;
}

// The training mean of an ordinal column's codes, over the values in its order.
double ordinal_mean(const ColumnSummary& s, const std::vector<std::string>& order) {
  double sum = 0.0;
  std::size_t n = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const auto it = s.counts.find(order[k]);
    if (it == s.counts.end()) continue;
    sum += static_cast<double>(k) * static_cast<double>(it->second);
    n += it->second;
  }
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

// Fits the encoding of a column whose role is known.
void fit_encoding(const ColumnSummary& s, const ColumnOptions& options,
                  const std::vector<std::string>* order, char decimal, ColumnEncoding& c) {
  const double present = static_cast<double>(std::max<std::size_t>(s.present, 1));
  switch (c.role) {
    case ColumnRole::numeric:
      c.fill = s.numbers > 0 ? s.sum / static_cast<double>(s.numbers) : 0.0;
      break;
    case ColumnRole::boolean: {
      std::size_t trues = 0;
      for (const auto& [value, count] : s.counts)
        if (boolean_value(value) == 1) trues += count;
      c.fill = static_cast<double>(trues) / present;
      break;
    }
    case ColumnRole::ordinal:
      c.categories = order && !order->empty() ? *order : sorted_levels(s, decimal);
      c.fill = ordinal_mean(s, c.categories);
      break;
    case ColumnRole::categorical:
      fit_categories(s, options.min_category_count, c);
      break;
    case ColumnRole::ignored:
      break;
  }
  c.indicator = options.missing_indicators && c.missing > 0 && c.role != ColumnRole::ignored &&
                c.role != ColumnRole::categorical;
}

// The columns of a table as the encoder sees them: their names and the file's name for messages.
struct Header {
  const std::vector<std::string>& names;
  const std::string& source;
};

std::size_t column_or_throw(const Header& header, const std::string& name, const char* what) {
  const auto it = std::find(header.names.begin(), header.names.end(), name);
  if (it == header.names.end())
    throw DataError(header.source + ": no column '" + name + "' (named as " + what +
                    "); the columns are: " + quoted_column_list(header.names));
  return static_cast<std::size_t>(it - header.names.begin());
}

// The role asked for each column (index into the header), checking the names.
std::map<std::size_t, ColumnRole> asked_roles(const Header& header, const std::string& target,
                                              const ColumnOptions& options) {
  std::map<std::size_t, ColumnRole> roles;
  const auto ask = [&](const std::string& name, ColumnRole role) {
    if (name == target)
      throw InvalidArgument("the target column '" + target + "' cannot also be " +
                            std::string(to_string(role)));
    const std::size_t column = column_or_throw(header, name, std::string(to_string(role)).c_str());
    const auto [it, inserted] = roles.emplace(column, role);
    if (!inserted && it->second != role)
      throw InvalidArgument("column '" + name + "' is asked to be both " +
                            std::string(to_string(it->second)) + " and " +
                            std::string(to_string(role)));
  };
  for (const auto& name : options.ignore) ask(name, ColumnRole::ignored);
  for (const auto& name : options.categorical) ask(name, ColumnRole::categorical);
  for (const auto& name : options.numeric) ask(name, ColumnRole::numeric);
  for (const auto& o : options.ordinal) ask(o.name, ColumnRole::ordinal);
  return roles;
}

// The value one feature of a numeric, boolean or ordinal column takes from `field`; false when
// the field cannot be encoded (with the reason in `what`).
bool scalar_value(const ColumnEncoding& c, std::string_view field, char decimal, double& value,
                  std::string& what) {
  if (c.role == ColumnRole::numeric) {
    const NumberStatus status = parse_number(field, value, decimal);
    if (status == NumberStatus::ok) return true;
    what = show(trim(field)) +
           (status == NumberStatus::out_of_range
                ? " is out of range"
                : " is not a number (the column holds numbers; fix the value, count it as "
                  "missing with the missing-value markers, or make the column categorical)");
    return false;
  }
  if (c.role == ColumnRole::boolean) {
    const int b = boolean_value(field);
    value = b;
    if (b >= 0) return true;
    what = show(trim(field)) + " is not a yes/no value (the column holds true/false, yes/no, y/n " +
           "or t/f)";
    return false;
  }
  const auto it = std::find(c.categories.begin(), c.categories.end(), trim(field));
  value = static_cast<double>(it - c.categories.begin());
  if (it != c.categories.end()) return true;
  what =
      show(trim(field)) + " is not one of the ordered levels " + quoted_column_list(c.categories);
  return false;
}

// One-hot: the feature index of `field` within a categorical column's features, or -1 for none.
long category_slot(const ColumnEncoding& c, std::string_view field, bool missing) {
  const auto n = static_cast<long>(c.categories.size());
  const long other = c.other_slot ? n : -1;
  const long missing_slot = c.missing_slot ? n + (c.other_slot ? 1 : 0) : -1;
  std::string_view value = trim(field);
  if (missing) {
    if (c.missing_slot) return missing_slot;
    value = c.most_frequent;
  }
  const auto it = std::lower_bound(c.categories.begin(), c.categories.end(), value);
  if (it != c.categories.end() && *it == value) return static_cast<long>(it - c.categories.begin());
  return other;
}

}  // namespace

std::string_view to_string(ColumnRole role) {
  switch (role) {
    case ColumnRole::numeric:
      return "numeric";
    case ColumnRole::boolean:
      return "boolean";
    case ColumnRole::categorical:
      return "categorical";
    case ColumnRole::ordinal:
      return "ordinal";
    case ColumnRole::ignored:
      return "ignored";
  }
  return "unknown";
}

ColumnRole column_role_from_string(std::string_view name) {
  for (ColumnRole role : {ColumnRole::numeric, ColumnRole::boolean, ColumnRole::categorical,
                          ColumnRole::ordinal, ColumnRole::ignored})
    if (name == to_string(role)) return role;
  throw InvalidArgument("unknown column role '" + std::string(name) + "'");
}

std::vector<std::string> default_na_values() {
  return {"NA", "N/A", "NaN", "null", "?", "#N/A"};
}

std::size_t ColumnEncoding::width() const {
  std::size_t n = 0;
  if (role == ColumnRole::categorical)
    n = categories.size() + (other_slot ? 1 : 0) + (missing_slot ? 1 : 0);
  else if (role != ColumnRole::ignored)
    n = 1;
  return n + (indicator ? 1 : 0);
}

// The tallies of the columns being fitted.
struct ColumnEncoderFit::State {
  std::vector<std::string> header;
  std::string source;
  std::string target;
  ColumnOptions options;
  char decimal = '.';
  std::map<std::size_t, ColumnRole> asked;
  std::vector<ColumnSummary> summaries;  // one per header column
  std::size_t rows = 0;
};

ColumnEncoderFit::ColumnEncoderFit(const std::vector<std::string>& header,
                                   const std::string& source, const std::string& target,
                                   const ColumnOptions& options, char decimal)
    : state_(std::make_unique<State>()) {
  State& st = *state_;
  st.asked = asked_roles(Header{header, source}, target, options);
  st.header = header;
  st.source = source;
  st.target = target;
  st.options = options;
  st.decimal = decimal;
  st.summaries.resize(header.size());
  for (const auto& [column, role] : st.asked)  // the values of asked roles are all kept
    st.summaries[column].capped = role != ColumnRole::categorical && role != ColumnRole::ordinal;
}

ColumnEncoderFit::~ColumnEncoderFit() = default;

void ColumnEncoderFit::add(const std::vector<std::string>& fields) {
  State& st = *state_;
  for (std::size_t column = 0; column < st.header.size(); ++column)
    if (st.header[column] != st.target)
      tally(st.summaries[column], fields[column], st.options.na_values, st.decimal);
  ++st.rows;
}

std::size_t ColumnEncoderFit::features_so_far() const {
  const State& st = *state_;
  std::size_t features = 0;
  for (std::size_t column = 0; column < st.header.size(); ++column) {
    if (st.header[column] == st.target) continue;
    const ColumnSummary& s = st.summaries[column];
    if (const auto it = st.asked.find(column); it != st.asked.end())
      features += it->second != ColumnRole::ignored ? 1 : 0;
    else if (s.present > 0 && (s.numbers == s.present || s.booleans == s.present))
      ++features;
  }
  return features;
}

namespace {

// One column's tally as write_tally writes it.
void write_summary(const ColumnSummary& s, detail::BlobWriter& out) {
  for (const double value : {double(s.present), double(s.numbers), double(s.booleans), s.sum, s.min,
                             s.max, double(s.all_integers), double(s.many), double(s.counted),
                             double(s.row_number_candidate), double(s.counts.size())})
    out.number(value);
  const bool all_numbers = s.numbers == s.present;
  const std::unordered_set<std::string_view> leading(s.leading_numbers.begin(),
                                                     s.leading_numbers.end());
  for (const auto& [text, count] : s.counts) {
    out.text(text);
    out.number(static_cast<double>(count));
    out.number(all_numbers || leading.contains(text) ? 1.0 : 0.0);
  }
  // Stopped counting: the leading numbers, which counts no longer holds.
  out.number(static_cast<double>(s.many ? s.leading_numbers.size() : 0));
  for (const auto& text : s.leading_numbers)
    if (s.many) out.text(text);
}

// Drops the counts of `s` for good: more distinct values than `cap` (count_value's rule).
void stop_counting(ColumnSummary& s, std::size_t cap) {
  s.many = true;
  s.counted = cap;
  s.counts = decltype(s.counts)();
}

// The distinct values of the next stripe added to `s` (its counts, when it has not stopped
// counting), as count_value would have counted them one at a time after the values of `s`: the
// cap of the numbers while every value so far is a number, kMaxDistinct after.
void merge_counts(ColumnSummary& s, bool numbers_so_far, detail::BlobReader& in, std::size_t keys) {
  std::size_t leading = s.counts.size();  // distinct values before the first text
  for (std::size_t k = 0; k < keys; ++k) {
    std::string text = in.text();
    const auto count = in.count();
    const bool in_leading = in.number() != 0.0;
    if (s.many) continue;
    auto [it, inserted] = s.counts.try_emplace(std::move(text), 0);
    it->second += count;
    leading += inserted && in_leading ? 1 : 0;
  }
  if (s.many || !s.capped) return;
  if (numbers_so_far && leading > kMaxDistinctNumbers) return stop_counting(s, kMaxDistinctNumbers);
  const std::size_t cap = s.numbers == s.present ? kMaxDistinctNumbers : kMaxDistinct;
  if (s.counts.size() > cap) stop_counting(s, cap);
}

// Adds the tally of the next stripe of a column to `s`, in stripe order.
void merge_summary(ColumnSummary& s, detail::BlobReader& in) {
  const bool numbers_so_far = s.numbers == s.present;
  const auto present = in.count(), numbers = in.count(), booleans = in.count();
  const double sum = in.number(), min = in.number(), max = in.number();
  const bool all_integers = in.number() != 0.0, many = in.number() != 0.0;
  const auto counted = in.count();
  const bool candidate = in.number() != 0.0;
  const auto keys = in.count();
  if (numbers > 0) {
    s.min = s.numbers == 0 ? min : std::min(s.min, min);
    s.max = s.numbers == 0 ? max : std::max(s.max, max);
  }
  s.present += present;
  s.numbers += numbers;
  s.booleans += booleans;
  s.sum += sum;
  s.all_integers = s.all_integers && all_integers;
  s.row_number_candidate = s.row_number_candidate && candidate;
  if (candidate && present > 0) s.stripe_spans.emplace_back(min, max);
  if (!s.row_number_candidate) s.stripe_spans.clear();
  if (!many) {
    merge_counts(s, numbers_so_far, in, keys);
    in.count();  // no leading numbers follow counts
    return;
  }
  // The stripe stopped counting: at kMaxDistinctNumbers among its leading numbers, or at
  // kMaxDistinct after them (which follow). Added one at a time after `s`, its values would
  // have stopped at kMaxDistinctNumbers when its leading numbers with those of `s` exceeded it.
  std::vector<std::string> leading(in.count());
  for (auto& text : leading) text = in.text();
  if (s.many || !s.capped) return;
  s.counted_short = s.counted_short || (counted == kMaxDistinctNumbers && !numbers_so_far);
  std::size_t distinct = s.counts.size();
  for (const auto& text : leading) distinct += s.counts.contains(text) ? 0 : 1;
  const bool leading_over = numbers == present || distinct > kMaxDistinctNumbers;
  stop_counting(s, numbers_so_far && leading_over ? kMaxDistinctNumbers : counted);
}

}  // namespace

void ColumnEncoderFit::write_tally(std::vector<double>& out) const {
  const State& st = *state_;
  detail::BlobWriter writer(out);
  writer.number(static_cast<double>(st.rows));
  for (std::size_t column = 0; column < st.header.size(); ++column)
    if (st.header[column] != st.target) write_summary(st.summaries[column], writer);
}

void ColumnEncoderFit::add_tally(std::span<const double> tally) {
  State& st = *state_;
  detail::BlobReader in(tally);
  st.rows += in.count();
  for (std::size_t column = 0; column < st.header.size(); ++column)
    if (st.header[column] != st.target) merge_summary(st.summaries[column], in);
  if (!in.done()) throw InvalidArgument("a column tally of another table");
}

std::vector<std::size_t> ColumnEncoderFit::columns_counted_short() const {
  const State& st = *state_;
  std::vector<std::size_t> columns;
  for (std::size_t column = 0; column < st.header.size(); ++column) {
    const ColumnSummary& s = st.summaries[column];
    const bool text = s.numbers != s.present && s.booleans != s.present &&
                      10 * s.numbers < 9 * s.present;  // infer_role then reads the counts
    if (st.header[column] != st.target && !st.asked.contains(column) && s.counted_short && text)
      columns.push_back(column);
  }
  return columns;
}

void ColumnEncoderFit::count_past_numbers(std::size_t column) {
  state_->summaries.at(column).numbers_capped = false;
}

std::vector<ColumnEncoderFit::IntegerSpan> ColumnEncoderFit::unsettled_row_numbers() const {
  const State& st = *state_;
  std::vector<IntegerSpan> unsettled;
  for (std::size_t column = 0; column < st.header.size(); ++column) {
    const ColumnSummary& s = st.summaries[column];
    if (st.header[column] != st.target && !st.asked.contains(column) && may_be_row_number(s) &&
        spans_overlap(s))
      unsettled.push_back({column, s.min, s.max});
  }
  return unsettled;
}

void ColumnEncoderFit::settle_row_number(std::size_t column, bool distinct) {
  ColumnSummary& s = state_->summaries.at(column);
  s.stripe_spans.clear();
  s.row_number_candidate = s.row_number_candidate && distinct;
}

ColumnEncoder ColumnEncoderFit::finish() {
  State& st = *state_;
  ColumnEncoder encoder;
  encoder.na_values = st.options.na_values;
  for (std::size_t column = 0; column < st.header.size(); ++column) {
    if (st.header[column] == st.target) continue;
    ColumnEncoding c;
    c.name = st.header[column];
    ColumnSummary& s = st.summaries[column];
    c.missing = st.rows - s.present;
    const std::vector<std::string>* order = nullptr;
    if (const auto it = st.asked.find(column); it != st.asked.end()) {
      c.role = it->second;
      c.why = "as asked";
      for (const auto& o : st.options.ordinal)
        if (o.name == c.name) order = &o.order;
    } else {
      infer_role(s, c);
    }
    fit_encoding(s, st.options, order, st.decimal, c);
    s = ColumnSummary();
    encoder.columns.push_back(std::move(c));
  }
  if (encoder.feature_names().empty())
    throw DataError(st.source + ": no feature columns left (every column is the target" +
                    (st.target.empty() ? std::string() : " '" + st.target + "'") +
                    ", ignored or without values)");
  return encoder;
}

ColumnEncoder ColumnEncoder::fit(const CsvTable& table, const std::string& target,
                                 const ColumnOptions& options) {
  ColumnEncoderFit fit(table.header, table.source, target, options, table.dialect.decimal);
  for (const auto& row : table.rows) fit.add(row);
  return fit.finish();
}

std::vector<std::string> ColumnEncoder::feature_names() const {
  std::vector<std::string> names;
  for (const auto& c : columns) {
    if (c.role == ColumnRole::categorical) {
      for (const auto& category : c.categories) names.push_back(c.name + "=" + category);
      if (c.other_slot) names.push_back(c.name + "=" + std::string(kOther));
      if (c.missing_slot) names.push_back(c.name + "=" + std::string(kMissing));
    } else if (c.role != ColumnRole::ignored) {
      names.push_back(c.name);
    }
    if (c.indicator) names.push_back(c.name + "=" + std::string(kMissing));
  }
  return names;
}

std::vector<bool> ColumnEncoder::standardized_features() const {
  std::vector<bool> standardized;
  for (const auto& c : columns) {
    const bool scaled = c.role == ColumnRole::numeric || c.role == ColumnRole::ordinal;
    const std::size_t values = c.width() - (c.indicator ? 1 : 0);
    standardized.insert(standardized.end(), values, scaled);
    if (c.indicator) standardized.push_back(false);
  }
  return standardized;
}

std::vector<std::size_t> ColumnEncoder::locate(const std::vector<std::string>& header,
                                               const std::string& source) const {
  std::vector<std::size_t> located;
  std::vector<std::string> missing;
  for (const auto& c : columns) {
    const auto it = std::find(header.begin(), header.end(), c.name);
    located.push_back(c.role == ColumnRole::ignored
                          ? std::string::npos
                          : static_cast<std::size_t>(it - header.begin()));
    if (c.role != ColumnRole::ignored && it == header.end()) missing.push_back(c.name);
  }
  if (missing.empty()) return located;
  std::vector<std::string> unused;
  for (const auto& name : header)
    if (std::none_of(columns.begin(), columns.end(),
                     [&](const ColumnEncoding& c) { return c.name == name; }))
      unused.push_back(name);
  throw DataError(
      source + ": missing column" + (missing.size() > 1 ? "s " : " ") +
      quoted_column_list(missing) + " that the model needs; columns the model does " +
      "not use: " + (unused.empty() ? std::string("(none)") : quoted_column_list(unused)));
}

template <class Scalar>
void ColumnEncoder::encode_row(const std::vector<std::string>& fields,
                               const std::vector<std::size_t>& located, char decimal,
                               Scalar* features, std::vector<FieldProblem>& problems) const {
  const double largest = static_cast<double>(std::numeric_limits<Scalar>::max());
  std::string what;
  std::size_t feature = 0;
  for (std::size_t k = 0; k < columns.size(); ++k) {
    const ColumnEncoding& c = columns[k];
    if (c.role == ColumnRole::ignored) continue;
    const std::string_view field = fields[located[k]];
    const bool missing = is_missing(field, na_values);
    if (c.role == ColumnRole::categorical) {
      const long slot = category_slot(c, field, missing);
      if (slot >= 0) features[feature + static_cast<std::size_t>(slot)] = Scalar(1);
    } else {
      double value = c.fill;
      if (!missing && !scalar_value(c, field, decimal, value, what)) {
        problems.push_back({located[k], what});
        value = c.fill;
      } else if (std::abs(value) > largest) {
        problems.push_back(
            {located[k], show(trim(field)) + " is out of range for single precision (float)"});
        value = c.fill;
      }
      features[feature] = static_cast<Scalar>(value);
    }
    feature += c.width();
    if (c.indicator) features[feature - 1] = missing ? Scalar(1) : Scalar(0);
  }
}

std::string field_position(const std::string& source, const std::vector<std::string>& header,
                           std::size_t line, std::size_t column) {
  return source + ":" + std::to_string(line) + ":" + std::to_string(column + 1) + ": column '" +
         header[column] + "': ";
}

template <class Scalar>
EncodedTable<Scalar> ColumnEncoder::transform(const CsvTable& table) const {
  const std::vector<std::size_t> located = locate(table.header, table.source);
  EncodedTable<Scalar> out;
  const auto rows = static_cast<Index>(table.rows.size());
  out.features = Matrix<Scalar>::Zero(rows, static_cast<Index>(feature_names().size()));
  std::vector<FieldProblem> problems;
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    encode_row(table.rows[i], located, table.dialect.decimal,
               out.features.row(static_cast<Index>(i)).data(), problems);
    for (auto& problem : problems)
      out.row_problems.push_back(
          {i, field_position(table.source, table.header, table.line_numbers[i], problem.column) +
                  problem.what});
    problems.clear();
  }
  return out;
}

std::string ColumnEncoder::to_json() const {
  nlohmann::json j;
  j["na_values"] = na_values;
  j["columns"] = nlohmann::json::array();
  for (const auto& c : columns) {
    nlohmann::json column{{"name", c.name},
                          {"role", std::string(to_string(c.role))},
                          {"why", c.why},
                          {"missing", c.missing},
                          {"fill", c.fill},
                          {"categories", c.categories},
                          {"other", c.other_slot},
                          {"missing_slot", c.missing_slot},
                          {"most_frequent", c.most_frequent},
                          {"indicator", c.indicator}};
    j["columns"].push_back(std::move(column));
  }
  return j.dump();
}

namespace {

[[noreturn]] void bad_encoder(const std::string& what) {
  throw ModelFileError("model metadata: column encoder: " + what);
}

template <class T>
T field_of(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) bad_encoder(where + ": missing \"" + key + "\"");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    bad_encoder(where + ": \"" + key + "\" has the wrong type");
  }
}

ColumnEncoding column_from_json(const nlohmann::json& j, std::size_t index) {
  const std::string where = "column " + std::to_string(index);
  if (!j.is_object()) bad_encoder(where + " is not an object");
  ColumnEncoding c;
  c.name = field_of<std::string>(j, "name", where);
  try {
    c.role = column_role_from_string(field_of<std::string>(j, "role", where));
  } catch (const InvalidArgument& e) {
    bad_encoder(where + ": " + e.what());
  }
  c.why = field_of<std::string>(j, "why", where);
  c.missing = field_of<std::size_t>(j, "missing", where);
  c.fill = field_of<double>(j, "fill", where);
  if (!std::isfinite(c.fill)) bad_encoder(where + ": \"fill\" is not finite");
  c.categories = field_of<std::vector<std::string>>(j, "categories", where);
  c.other_slot = field_of<bool>(j, "other", where);
  c.missing_slot = field_of<bool>(j, "missing_slot", where);
  c.most_frequent = field_of<std::string>(j, "most_frequent", where);
  c.indicator = field_of<bool>(j, "indicator", where);
  if (c.role == ColumnRole::categorical &&
      !std::is_sorted(c.categories.begin(), c.categories.end()))
    bad_encoder(where + ": the categories are not sorted");
  return c;
}

}  // namespace

ColumnEncoder ColumnEncoder::from_json(std::string_view json_text) {
  const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (!j.is_object()) bad_encoder("not a JSON object");
  ColumnEncoder encoder;
  encoder.na_values = field_of<std::vector<std::string>>(j, "na_values", "encoder");
  if (!j.contains("columns") || !j.at("columns").is_array()) bad_encoder("no \"columns\" list");
  for (const auto& column : j.at("columns"))
    encoder.columns.push_back(column_from_json(column, encoder.columns.size()));
  return encoder;
}

#define MLP_INSTANTIATE(Scalar)                                                                   \
  template EncodedTable<Scalar> ColumnEncoder::transform<Scalar>(const CsvTable&) const;          \
  template void ColumnEncoder::encode_row<Scalar>(const std::vector<std::string>&,                \
                                                  const std::vector<std::size_t>&, char, Scalar*, \
                                                  std::vector<FieldProblem>&) const;
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
