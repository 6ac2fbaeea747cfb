#include "mlp/svg/downsample.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "mlp/core/error.hpp"

namespace mlp::svg {

std::vector<std::size_t> downsample_indices(const std::vector<double>& x,
                                            const std::vector<double>& y, std::size_t buckets) {
  if (x.size() != y.size()) throw InvalidArgument("downsample: x and y differ in length");
  for (std::size_t i = 1; i < x.size(); ++i)
    if (x[i] < x[i - 1]) throw InvalidArgument("downsample: x must not decrease");
  const std::size_t n = x.size();
  std::vector<std::size_t> kept;
  if (n <= 4 * std::max<std::size_t>(buckets, 1)) {
    for (std::size_t i = 0; i < n; ++i) kept.push_back(i);
    return kept;
  }
  const double x0 = x.front(), span = x.back() - x.front();
  auto column = [&](std::size_t i) {
    if (!(span > 0)) return std::size_t{0};
    const double c = std::floor((x[i] - x0) / span * static_cast<double>(buckets));
    return std::min(static_cast<std::size_t>(std::max(c, 0.0)), buckets - 1);
  };

  struct Bucket {
    std::size_t first, last, low, high;
  };
  std::optional<Bucket> current;
  std::size_t current_column = 0;
  auto flush = [&] {
    if (!current) return;
    for (std::size_t i : {current->first, current->low, current->high, current->last})
      kept.push_back(i);
    current.reset();
  };
  bool in_gap = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(y[i])) {
      if (!in_gap) {
        flush();
        kept.push_back(i);
      }
      in_gap = true;
      continue;
    }
    in_gap = false;
    const std::size_t c = column(i);
    if (current && c != current_column) flush();
    if (!current) {
      current = Bucket{i, i, i, i};
      current_column = c;
    }
    current->last = i;
    if (y[i] < y[current->low]) current->low = i;
    if (y[i] > y[current->high]) current->high = i;
  }
  flush();
  std::sort(kept.begin(), kept.end());
  kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
  return kept;
}

}  // namespace mlp::svg
