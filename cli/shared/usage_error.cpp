#include "shared/usage_error.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <numeric>

namespace mlp::cli {

namespace {

// Levenshtein distance: the fewest insertions, deletions and substitutions from a to b.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1u : 0u)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The candidate nearest to `word`, if it is near enough to be a misspelling of it: at most one
// edit in three letters ("trian" is two edits from "train").
std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(1, (word.size() + 2) / 3) + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  return names;
}

std::vector<std::string> flag_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
    for (const std::string& name : option->get_snames()) names.push_back("-" + name);
  }
  return names;
}

}  // namespace

std::string did_you_mean(const CLI::App& app, const std::vector<std::string>& words) {
  const CLI::App* command = &app;
  bool positional_seen = false;  // a command with subcommands names one first
  for (const std::string& word : words) {
    if (word.size() > 1 && word[0] == '-') {
      const std::string flag = word.substr(0, word.find('='));
      const std::vector<std::string> flags = flag_names(*command);
      if (std::find(flags.begin(), flags.end(), flag) != flags.end()) continue;
      const std::string hint = nearest(flag, flags);
      if (!hint.empty()) return " (did you mean " + hint + "?)";
      continue;
    }
    const std::vector<std::string> names = subcommand_names(*command);
    if (std::find(names.begin(), names.end(), word) != names.end()) {
      command = command->get_subcommand(word);
      positional_seen = false;
      continue;
    }
    if (!names.empty() && !positional_seen) {
      const std::string hint = nearest(word, names);
      if (!hint.empty()) return " (did you mean " + hint + "?)";
    }
    positional_seen = true;
  }
  return "";
}

}  // namespace mlp::cli
