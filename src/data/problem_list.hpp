// Problems found in a data file, collected rather than reported one at a time (internal to
// src/data): a reader adds every problem it finds, then throws one DataError that lists the
// first 20 and counts the rest.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace mlp::detail {

class ProblemList {
 public:
  static constexpr std::size_t kShown = 20;

  // Adds one problem, "FILE:LINE:COL: column 'NAME': what (what to do)".
  void add(std::string message);
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }

  // Throws DataError "SOURCE: N problems in the data:\n  first\n  ...\n  and M more" (or the
  // problem itself when there is one); does nothing when there are none.
  void throw_if_any(const std::string& source) const;

 private:
  std::vector<std::string> shown_;  // the first kShown problems
  std::size_t count_ = 0;
};

}  // namespace mlp::detail
