// Lists of names for messages and help texts, written from the tables of activations, losses and
// optimizers.
#pragma once

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

}  // namespace mlp
