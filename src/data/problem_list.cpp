#include "problem_list.hpp"

#include "mlp/core/error.hpp"

namespace mlp::detail {

void ProblemList::add(std::string message) {
  if (shown_.size() < kShown) shown_.push_back(std::move(message));
  ++count_;
}

void ProblemList::throw_if_any(const std::string& source) const {
  if (count_ == 0) return;
  if (count_ == 1) throw DataError(shown_.front());
  std::string message = source + ": " + std::to_string(count_) + " problems in the data:";
  for (const auto& problem : shown_) message += "\n  " + problem;
  if (count_ > shown_.size())
    message += "\n  and " + std::to_string(count_ - shown_.size()) + " more";
  throw DataError(message);
}

}  // namespace mlp::detail
