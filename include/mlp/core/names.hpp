// Helpers for the library's tables of activations, losses and optimizers: the lists of names that
// messages and help texts show, and the check that a table is indexed by its enum.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mlp {

// "a, b, c or d" ("a" for one name, "" for none).
inline std::string join_names(const std::vector<std::string>& names,
                              std::string_view last = " or ") {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? std::string(last) : std::string(", ");
    text += names[i];
  }
  return text;
}

// True when entry i of `table` describes enumerator i (its `id` member is that value), so that
// the table can be indexed by the enum: static_assert(in_enum_order(kLosses, &LossInfo::id)).
template <class Entry, std::size_t N, class Id>
constexpr bool in_enum_order(const std::array<Entry, N>& table, Id Entry::*id) {
  for (std::size_t i = 0; i < N; ++i)
    if (static_cast<std::size_t>(table[i].*id) != i) return false;
  return true;
}

}  // namespace mlp
