#include "export/onnx_features.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "mlp/data/read_dataset.hpp"

namespace mlp::onnx {

namespace {

constexpr const char* kMl = "ai.onnx.ml";
constexpr std::int64_t kBatch = -1;  // the free dimension N
const float kNaN = std::numeric_limits<float>::quiet_NaN();

// Every spelling of `word` that differs only in the case of its ASCII letters, as mlp compares
// missing-value markers and yes/no words. Words with more than 10 letters (over 1024 spellings)
// get three: as written, lower case and upper case.
std::vector<std::string> case_variants(const std::string& word) {
  std::vector<std::size_t> letters;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::isalpha(static_cast<unsigned char>(word[i]))) letters.push_back(i);
  std::vector<std::string> out;
  if (letters.size() > 10) {
    std::string lower = word, upper = word;
    for (std::size_t i : letters) {
      lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(word[i])));
      upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[i])));
    }
    out = {word, lower, upper};
  } else {
    for (std::size_t mask = 0; mask < (std::size_t{1} << letters.size()); ++mask) {
      std::string s = word;
      for (std::size_t k = 0; k < letters.size(); ++k) {
        const auto c = static_cast<unsigned char>(word[letters[k]]);
        s[letters[k]] = static_cast<char>((mask >> k) & 1 ? std::toupper(c) : std::tolower(c));
      }
      out.push_back(std::move(s));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The strings that mean "missing": the empty string and every case spelling of a marker.
std::vector<std::string> missing_markers(const std::vector<std::string>& na_values) {
  std::vector<std::string> out{""};
  for (const auto& na : na_values)
    for (auto& s : case_variants(na)) out.push_back(std::move(s));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A LabelEncoder (ai.onnx.ml, opset 2) from strings to floats; keys not in `map`: `fallback`.
std::string strings_to_floats(GraphBuilder& b, const std::string& in,
                              const std::map<std::string, float>& map, float fallback) {
  std::vector<std::string> keys;
  std::vector<float> values;
  for (const auto& [k, v] : map) {
    keys.push_back(k);
    values.push_back(v);
  }
  return b.node(
      "LabelEncoder", {in},
      {Attribute::of_strings("keys_strings", keys), Attribute::of_floats("values_floats", values),
       Attribute::of_float("default_float", fallback)},
      kMl);
}

// The 0/1 "(missing)" indicator of a text column [N, 1].
std::string text_missing_indicator(GraphBuilder& b, const std::string& in,
                                   const std::vector<std::string>& markers) {
  std::map<std::string, float> map;
  for (const auto& m : markers) map[m] = 1.0F;
  return strings_to_floats(b, in, map, 0.0F);
}

// A yes/no column: true/yes/y/t -> 1, false/no/n/f -> 0 (any case), missing -> the fill, any
// other text -> NaN (mlp refuses the row).
std::string boolean_feature(GraphBuilder& b, const std::string& in, const ColumnEncoding& c,
                            const std::vector<std::string>& markers) {
  std::map<std::string, float> map;
  for (const char* word : {"true", "yes", "y", "t"})
    for (const auto& s : case_variants(word)) map[s] = 1.0F;
  for (const char* word : {"false", "no", "n", "f"})
    for (const auto& s : case_variants(word)) map[s] = 0.0F;
  for (const auto& m : markers) map[m] = static_cast<float>(c.fill);  // missing comes first
  return strings_to_floats(b, in, map, kNaN);
}

// An ordinal column: level i -> i, missing -> the fill, any other text -> NaN.
std::string ordinal_feature(GraphBuilder& b, const std::string& in, const ColumnEncoding& c,
                            const std::vector<std::string>& markers) {
  std::map<std::string, float> map;
  for (std::size_t i = 0; i < c.categories.size(); ++i)
    map[c.categories[i]] = static_cast<float>(i);
  for (const auto& m : markers) map[m] = static_cast<float>(c.fill);
  return strings_to_floats(b, in, map, kNaN);
}

// A categorical column's one-hot features [N, categories (+ other) (+ missing)]: the slot of
// each value (LabelEncoder to int64: a category its index, a missing marker the "(missing)"
// slot or the most frequent category's, anything else the "(other)" slot or, without one, an
// extra slot that is cut off), OneHot over slots + 1, then the extra slot dropped.
std::string categorical_features(GraphBuilder& b, const std::string& in, const ColumnEncoding& c,
                                 const std::vector<std::string>& markers) {
  const auto n = static_cast<std::int64_t>(c.categories.size());
  const std::int64_t width = n + (c.other_slot ? 1 : 0) + (c.missing_slot ? 1 : 0);
  const std::int64_t unknown = c.other_slot ? n : width;
  std::map<std::string, std::int64_t> map;
  for (std::int64_t i = 0; i < n; ++i) map[c.categories[static_cast<std::size_t>(i)]] = i;
  const auto frequent = std::lower_bound(c.categories.begin(), c.categories.end(), c.most_frequent);
  const std::int64_t missing = c.missing_slot ? width - 1
                               : (frequent != c.categories.end() && *frequent == c.most_frequent)
                                   ? frequent - c.categories.begin()
                                   : unknown;
  for (const auto& m : markers) map[m] = missing;
  std::vector<std::string> keys;
  std::vector<std::int64_t> values;
  for (const auto& [k, v] : map) {
    keys.push_back(k);
    values.push_back(v);
  }
  const std::string slot = b.node(
      "LabelEncoder", {in},
      {Attribute::of_strings("keys_strings", keys), Attribute::of_ints("values_int64s", values),
       Attribute::of_int("default_int64", unknown)},
      kMl);
  const std::string one_hot =
      b.node("OneHot", {slot, b.ints("depth", {1}, {width + 1}), b.floats("off_on", {2}, {0, 1})},
             {Attribute::of_int("axis", -1)});  // [N, 1, width + 1]
  const std::string rows = b.node("Reshape", {one_hot, b.ints("shape", {2}, {-1, width + 1})});
  return b.node("Slice", {rows, b.ints("starts", {1}, {0}), b.ints("ends", {1}, {width}),
                          b.ints("axes", {1}, {1})});
}

// A numeric column [N, 1] (or several, [N, C]): NaN gets the fill.
std::string imputed(GraphBuilder& b, const std::string& in, std::vector<float> fills) {
  const auto c = static_cast<std::int64_t>(fills.size());
  return b.node("Where", {b.node("IsNaN", {in}), b.floats("fill", {1, c}, std::move(fills)), in});
}

std::string nan_indicator(GraphBuilder& b, const std::string& in) {
  return b.node("Cast", {b.node("IsNaN", {in})},
                {Attribute::of_int("to", static_cast<std::int64_t>(DataType::float32))});
}

// A table of numeric columns only: one input "X" [N, C]; the indicators (when there are any)
// are gathered in after their columns, in the encoder's feature order.
std::string numeric_table(GraphBuilder& b, const ColumnEncoder& encoder) {
  std::vector<const ColumnEncoding*> used;
  std::string doc = "The columns, in this order:";
  for (const auto& c : encoder.columns)
    if (c.role != ColumnRole::ignored) {
      used.push_back(&c);
      doc += " " + c.name + ";";
    }
  const auto n = static_cast<std::int64_t>(used.size());
  const std::string x =
      b.input("X", DataType::float32, {kBatch, n}, doc + " NaN for a missing value.");
  std::vector<float> fills;
  std::vector<std::int64_t> order;  // per feature: column j, or n + j for j's indicator
  for (std::int64_t j = 0; j < n; ++j) {
    fills.push_back(static_cast<float>(used[static_cast<std::size_t>(j)]->fill));
    order.push_back(j);
    if (used[static_cast<std::size_t>(j)]->indicator) order.push_back(n + j);
  }
  const std::string filled = imputed(b, x, std::move(fills));
  if (static_cast<std::int64_t>(order.size()) == n) return filled;
  const std::string both =
      b.node("Concat", {filled, nan_indicator(b, x)}, {Attribute::of_int("axis", 1)});
  const auto width = static_cast<std::int64_t>(order.size());
  return b.node("Gather", {both, b.ints("feature_order", {width}, std::move(order))},
                {Attribute::of_int("axis", 1)});
}

// A table with text columns: one input per column, its features, all concatenated. The inputs
// are declared first, so that no name the nodes take can be a column's.
std::string mixed_table(GraphBuilder& b, const ColumnEncoder& encoder) {
  const std::vector<std::string> markers = missing_markers(encoder.na_values);
  for (const auto& c : encoder.columns)
    if (c.role != ColumnRole::ignored)
      b.input(c.name, c.role == ColumnRole::numeric ? DataType::float32 : DataType::string,
              {kBatch, 1}, std::string(to_string(c.role)) + " column");
  std::vector<std::string> parts;
  for (const auto& c : encoder.columns) {
    if (c.role == ColumnRole::ignored) continue;
    const bool numeric = c.role == ColumnRole::numeric;
    const std::string& in = c.name;
    if (numeric)
      parts.push_back(imputed(b, in, {static_cast<float>(c.fill)}));
    else if (c.role == ColumnRole::boolean)
      parts.push_back(boolean_feature(b, in, c, markers));
    else if (c.role == ColumnRole::ordinal)
      parts.push_back(ordinal_feature(b, in, c, markers));
    else
      parts.push_back(categorical_features(b, in, c, markers));
    if (c.indicator)
      parts.push_back(numeric ? nan_indicator(b, in) : text_missing_indicator(b, in, markers));
  }
  if (parts.size() == 1) return parts[0];
  return b.node("Concat", parts, {Attribute::of_int("axis", 1)});
}

}  // namespace

std::string encoded_features(GraphBuilder& b, const ModelMetadata& meta, std::int64_t n_features) {
  if (data_format_from_string(meta.input_format) == DataFormat::idx) {
    // The IDX reader's pixel scaling: byte v -> v / 255.
    const std::string x =
        b.input("X", DataType::float32, {kBatch, n_features}, "Pixel values 0..255, row by row.");
    return b.node("Div", {x, b.floats("pixel_scale", {}, {255.0F})});
  }
  if (!meta.columns) {
    std::string doc = "The features, in this order:";
    for (const auto& name : meta.feature_names) doc += " " + name + ";";
    return b.input("X", DataType::float32, {kBatch, n_features}, doc);
  }
  const auto& columns = meta.columns->columns;
  const bool all_numeric = std::all_of(columns.begin(), columns.end(), [](const auto& c) {
    return c.role == ColumnRole::numeric || c.role == ColumnRole::ignored;
  });
  return all_numeric ? numeric_table(b, *meta.columns) : mixed_table(b, *meta.columns);
}

}  // namespace mlp::onnx
