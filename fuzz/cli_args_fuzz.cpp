// The CLI's argument handling on arbitrary command lines: the bytes, split at NUL bytes, are the
// words after `mlp`. The app is the one `mlp` builds (cli/app.hpp) with every command's action
// taken out, so that parsing, the conversions and checks of every flag, the did-you-mean hint and
// the check that no output names an input all run, and nothing reads data or writes a file.
// Only CLI11's parse errors and the CLI's and the library's own typed errors may come out.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "app.hpp"
#include "mlp/core/error.hpp"
#include "shared/usage_error.hpp"

namespace {

// Removes the action of every subcommand, at every depth (`mlp plot history`).
void disarm(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands(std::function<bool(CLI::App*)>())) {
    sub->callback(std::function<void()>());
    disarm(*sub);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> words{"mlp"};
  std::string word;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      words.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(data[i]);
    }
  }
  words.push_back(word);
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  CLI::App app{"mlp", "mlp"};
  mlp::cli::add_commands(app);
  disarm(app);
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
    mlp::cli::did_you_mean(app, std::vector<std::string>(words.begin() + 1, words.end()));
  } catch (const mlp::cli::UsageError&) {
  } catch (const mlp::Error&) {
  }
  return 0;
}
