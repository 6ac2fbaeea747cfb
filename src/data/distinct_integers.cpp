#include "distinct_integers.hpp"

#include <cmath>

namespace mlp::detail {

namespace {

// The multiple of 64 at or below `value`.
std::int64_t word_start(std::int64_t value) {
  return value >= 0 ? value - value % 64 : value - ((value % 64) + 64) % 64;
}

}  // namespace

bool DistinctIntegers::add(double value, std::size_t max_bits) {
  if (failed_) return false;
  const auto give_up = [&] {
    failed_ = true;
    words_ = std::vector<std::uint64_t>();
    return false;
  };
  // Beyond 2^53 doubles do not hold every integer; no row number gets there.
  if (!(std::fabs(value) < 9007199254740992.0)) return give_up();
  const auto v = static_cast<std::int64_t>(value);
  if (words_.empty()) {
    low_ = word_start(v);
    words_.assign(1, 0);
  }
  const auto max_words = static_cast<std::int64_t>(max_bits / 64 + 1);
  const std::int64_t size = static_cast<std::int64_t>(words_.size());
  if (v < low_) {
    // Grow downwards by at least the current size, so that a column read in descending order
    // costs amortised constant time per value.
    const std::int64_t needed = (low_ - word_start(v)) / 64;
    const std::int64_t grow = std::max(needed, std::min(size, max_words - size));
    if (size + grow > max_words) return give_up();
    words_.insert(words_.begin(), static_cast<std::size_t>(grow), 0);
    low_ -= 64 * grow;
  } else if ((v - low_) / 64 >= size) {
    const std::int64_t needed = (v - low_) / 64 + 1;
    if (needed > max_words) return give_up();
    words_.resize(static_cast<std::size_t>(std::max(needed, std::min(2 * size, max_words))), 0);
  }
  const std::int64_t offset = v - low_;
  std::uint64_t& word = words_[static_cast<std::size_t>(offset / 64)];
  const std::uint64_t bit = std::uint64_t(1) << (offset % 64);
  if (word & bit) return give_up();
  word |= bit;
  return true;
}

}  // namespace mlp::detail
