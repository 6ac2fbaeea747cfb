#include "mlp/data/preprocessing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <tuple>
#include <utility>

#include "mlp/core/error.hpp"

namespace mlp {

namespace {

void check_fraction(double test_fraction, const char* function) {
  if (!(test_fraction >= 0.0 && test_fraction < 1.0))
    throw InvalidArgument(std::string(function) + ": test_fraction must be in [0, 1), got " +
                          std::to_string(test_fraction));
}

void check_rows(const std::vector<Index>& rows, Index n, const char* function) {
  for (Index r : rows)
    if (r < 0 || r >= n)
      throw InvalidArgument(std::string(function) + ": row index " + std::to_string(r) +
                            " out of range [0, " + std::to_string(n) + ")");
}

[[noreturn]] void bad_scaler(const std::string& what) {
  throw ModelFileError("standard scaler parameters: " + what);
}

// The column's mean and population standard deviation, given the sum of its values:
//   mean = sum / n,  deviation = sqrt(sum_i (x_i - mean)^2 / n).
// When the sum or the squares overflow (features near the largest double), both are computed on
// the values divided by m = max |x_i| and multiplied back by m, so they stay finite.
template <class Scalar>
std::pair<double, double> mean_and_deviation(ConstMatrixRef<Scalar> X, Index j, double sum) {
  const auto x = X.col(j);
  const auto n = static_cast<double>(x.size());
  const auto moments = [&](double divisor) {
    double scaled_sum = 0.0;
    if (divisor == 1.0) {
      scaled_sum = sum;
    } else {
      for (Index i = 0; i < x.size(); ++i) scaled_sum += static_cast<double>(x(i)) / divisor;
    }
    const double mean = scaled_sum / n;
    double squares = 0.0;
    for (Index i = 0; i < x.size(); ++i) {
      const double d = static_cast<double>(x(i)) / divisor - mean;
      squares += d * d;
    }
    return std::pair<double, double>(mean, std::sqrt(squares / n));
  };
  auto [mean, deviation] = moments(1.0);
  if (std::isfinite(mean) && std::isfinite(deviation)) return {mean, deviation};
  const double m = static_cast<double>(x.cwiseAbs().maxCoeff());
  std::tie(mean, deviation) = moments(m);
  return {mean * m, deviation * m};
}

// (x - mean) / scale; for values so far from the mean that x - mean overflows,
// x / scale - mean / scale, which is finite whenever the result is.
template <class Scalar>
Scalar standardized(Scalar x, Scalar mean, Scalar scale) {
  const Scalar centred = x - mean;
  if (std::isfinite(centred)) return centred / scale;
  return x / scale - mean / scale;
}

}  // namespace

template <class Scalar>
void StandardScaler<Scalar>::fit(ConstMatrixRef<Scalar> X) {
  if (X.rows() == 0 || X.cols() == 0)
    throw InvalidArgument("StandardScaler::fit: empty data (" + std::to_string(X.rows()) + "x" +
                          std::to_string(X.cols()) + ")");
  Vector<Scalar> new_mean(X.cols());
  Vector<Scalar> new_scale(X.cols());
  for (Index j = 0; j < X.cols(); ++j) {
    const Scalar first = X(0, j);
    bool constant = true;
    double sum = 0.0;
    for (Index i = 0; i < X.rows(); ++i) {
      const Scalar x = X(i, j);
      if (!std::isfinite(x))
        throw InvalidArgument("StandardScaler::fit: non-finite value in row " + std::to_string(i) +
                              ", column " + std::to_string(j));
      constant = constant && x == first;
      sum += static_cast<double>(x);
    }
    if (constant) {  // exactly: the mean of equal values may round differently
      new_mean(j) = first;
      new_scale(j) = Scalar(1);
      continue;
    }
    const auto [mean, deviation] = mean_and_deviation<Scalar>(X, j, sum);
    const auto scale = static_cast<Scalar>(deviation);
    new_mean(j) = static_cast<Scalar>(mean);
    new_scale(j) = scale > Scalar(0) && std::isfinite(scale) ? scale : Scalar(1);
  }
  mean = std::move(new_mean);
  scale = std::move(new_scale);
}

template <class Scalar>
void StandardScaler<Scalar>::transform(MatrixRef<Scalar> X) const {
  if (!fitted()) throw InvalidArgument("StandardScaler::transform: the scaler is not fitted");
  if (X.cols() != mean.size())
    throw InvalidArgument("StandardScaler::transform: expected " + std::to_string(mean.size()) +
                          " columns, got " + std::to_string(X.cols()));
  for (Index i = 0; i < X.rows(); ++i)
    for (Index j = 0; j < X.cols(); ++j) X(i, j) = standardized(X(i, j), mean(j), scale(j));
}

template <class Scalar>
std::string StandardScaler<Scalar>::to_json() const {
  if (!fitted()) throw InvalidArgument("StandardScaler::to_json: the scaler is not fitted");
  nlohmann::json json = {{"mean", nlohmann::json::array()}, {"scale", nlohmann::json::array()}};
  for (Index j = 0; j < mean.size(); ++j) {
    json["mean"].push_back(static_cast<double>(mean(j)));
    json["scale"].push_back(static_cast<double>(scale(j)));
  }
  return json.dump();
}

template <class Scalar>
StandardScaler<Scalar> StandardScaler<Scalar>::from_json(std::string_view json_text) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range on overflow
    bad_scaler(std::string("invalid JSON: ") + e.what());
  }
  if (!json.is_object()) bad_scaler("expected a JSON object with \"mean\" and \"scale\"");
  for (const char* key : {"mean", "scale"}) {
    if (!json.contains(key)) bad_scaler(std::string("missing \"") + key + "\"");
    if (!json[key].is_array()) bad_scaler(std::string("\"") + key + "\" is not an array");
  }
  const auto& mean_json = json["mean"];
  const auto& scale_json = json["scale"];
  if (mean_json.empty()) bad_scaler("\"mean\" is empty");
  if (mean_json.size() != scale_json.size())
    bad_scaler("\"mean\" has " + std::to_string(mean_json.size()) + " values but \"scale\" has " +
               std::to_string(scale_json.size()));
  StandardScaler scaler;
  const auto n = static_cast<Index>(mean_json.size());
  scaler.mean.resize(n);
  scaler.scale.resize(n);
  auto number = [](const nlohmann::json& value, const char* key, Index j) {
    if (!value.is_number())
      bad_scaler(std::string("\"") + key + "\"[" + std::to_string(j) + "] is not a number");
    const double v = value.get<double>();
    if (!std::isfinite(v) || std::abs(v) > static_cast<double>(std::numeric_limits<Scalar>::max()))
      bad_scaler(std::string("\"") + key + "\"[" + std::to_string(j) +
                 "] is not a finite number of this precision");
    return static_cast<Scalar>(v);
  };
  for (Index j = 0; j < n; ++j) {
    const auto k = static_cast<std::size_t>(j);
    scaler.mean(j) = number(mean_json[k], "mean", j);
    scaler.scale(j) = number(scale_json[k], "scale", j);
    if (!(scaler.scale(j) > Scalar(0)))
      bad_scaler("\"scale\"[" + std::to_string(j) + "] is not > 0");
  }
  return scaler;
}

Split stratified_split(const std::vector<int>& labels, double test_fraction, Random& rng) {
  check_fraction(test_fraction, "stratified_split");
  if (labels.empty()) throw InvalidArgument("stratified_split: no labels");
  int max_label = 0;
  for (int label : labels) {
    if (label < 0)
      throw InvalidArgument("stratified_split: negative label " + std::to_string(label));
    max_label = std::max(max_label, label);
  }
  const auto n_classes = static_cast<std::size_t>(max_label) + 1;
  std::vector<std::vector<Index>> members(n_classes);
  for (std::size_t i = 0; i < labels.size(); ++i)
    members[static_cast<std::size_t>(labels[i])].push_back(static_cast<Index>(i));

  // How many test samples each class gets: floor of its share, then the samples still missing
  // from round(test_fraction * n) to the classes with the largest remainders (ties: lower class
  // first), never taking a class's last training sample.
  const auto total_test =
      static_cast<std::size_t>(std::llround(test_fraction * static_cast<double>(labels.size())));
  std::vector<std::size_t> n_test(n_classes, 0), cap(n_classes, 0);
  std::vector<double> remainder(n_classes, 0.0);
  std::size_t assigned = 0;
  for (std::size_t c = 0; c < n_classes; ++c) {
    const std::size_t size = members[c].size();
    cap[c] = size >= 2 ? size - 1 : 0;
    const double share = test_fraction * static_cast<double>(size);
    n_test[c] = std::min(static_cast<std::size_t>(std::floor(share)), cap[c]);
    remainder[c] = share - static_cast<double>(n_test[c]);
    assigned += n_test[c];
  }
  std::vector<std::size_t> order(n_classes);
  for (std::size_t c = 0; c < n_classes; ++c) order[c] = c;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  bool progress = true;
  while (assigned < total_test && progress) {
    progress = false;
    for (std::size_t c : order) {
      if (assigned >= total_test) break;
      if (n_test[c] < cap[c]) {
        ++n_test[c];
        ++assigned;
        progress = true;
      }
    }
  }

  Split split;
  for (std::size_t c = 0; c < n_classes; ++c) {
    auto& m = members[c];
    rng.shuffle(m.begin(), m.end());
    const auto cut = static_cast<std::ptrdiff_t>(n_test[c]);
    split.test.insert(split.test.end(), m.begin(), m.begin() + cut);
    split.train.insert(split.train.end(), m.begin() + cut, m.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

Split random_split(Index n, double test_fraction, Random& rng) {
  check_fraction(test_fraction, "random_split");
  if (n <= 0) throw InvalidArgument("random_split: n must be > 0, got " + std::to_string(n));
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  rng.shuffle(order.begin(), order.end());
  const auto n_test = std::min<Index>(
      static_cast<Index>(std::llround(test_fraction * static_cast<double>(n))), n - 1);
  Split split;
  split.test.assign(order.begin(), order.begin() + n_test);
  split.train.assign(order.begin() + n_test, order.end());
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

template <class Scalar>
Matrix<Scalar> take_rows(const Matrix<Scalar>& X, const std::vector<Index>& rows) {
  check_rows(rows, X.rows(), "take_rows");
  Matrix<Scalar> out(static_cast<Index>(rows.size()), X.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Index>(i)) = X.row(rows[i]);
  return out;
}

template <class Scalar>
Vector<Scalar> take_rows(const Vector<Scalar>& v, const std::vector<Index>& rows) {
  check_rows(rows, v.size(), "take_rows");
  Vector<Scalar> out(static_cast<Index>(rows.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) out(static_cast<Index>(i)) = v(rows[i]);
  return out;
}

std::vector<int> take_labels(const std::vector<int>& labels, const std::vector<Index>& rows) {
  check_rows(rows, static_cast<Index>(labels.size()), "take_labels");
  std::vector<int> out;
  out.reserve(rows.size());
  for (Index r : rows) out.push_back(labels[static_cast<std::size_t>(r)]);
  return out;
}

template <class Scalar>
Matrix<Scalar> one_hot(const std::vector<int>& labels, int n_classes) {
  if (n_classes < 1)
    throw InvalidArgument("one_hot: n_classes must be >= 1, got " + std::to_string(n_classes));
  Matrix<Scalar> out = Matrix<Scalar>::Zero(static_cast<Index>(labels.size()), n_classes);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const int label = labels[i];
    if (label < 0 || label >= n_classes)
      throw InvalidArgument("one_hot: label " + std::to_string(label) + " at index " +
                            std::to_string(i) + " is outside [0, " + std::to_string(n_classes) +
                            ")");
    out(static_cast<Index>(i), label) = Scalar(1);
  }
  return out;
}

template struct StandardScaler<float>;
template struct StandardScaler<double>;
template Matrix<float> take_rows<float>(const Matrix<float>&, const std::vector<Index>&);
template Matrix<double> take_rows<double>(const Matrix<double>&, const std::vector<Index>&);
template Vector<float> take_rows<float>(const Vector<float>&, const std::vector<Index>&);
template Vector<double> take_rows<double>(const Vector<double>&, const std::vector<Index>&);
template Matrix<float> one_hot<float>(const std::vector<int>&, int);
template Matrix<double> one_hot<double>(const std::vector<int>&, int);

}  // namespace mlp
