// Whether the integers seen so far are all distinct, in one bit per integer between the smallest
// and the largest: what the row-number rule of the column encoder needs to know about a column
// of integers, without holding its values (8 bytes a row) for the whole first pass.
//
//   DistinctIntegers seen;
//   seen.add(3, limit);  // true: new
//   seen.add(3, limit);  // false: a repeat
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mlp::detail {

class DistinctIntegers {
 public:
  // Adds the integer `value`. False, and the set emptied for good, when `value` was added before
  // or when the integers would span more than `max_bits` bits (the caller's memory bound).
  bool add(double value, std::size_t max_bits);

 private:
  bool failed_ = false;
  std::int64_t low_ = 0;              // the integer of bit 0 of words_[0]; a multiple of 64
  std::vector<std::uint64_t> words_;  // bit i: low_ + i was added
};

}  // namespace mlp::detail
