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

// CLI11 (2.1) keeps a subcommand's action in the protected member `final_callback_`. The actions
// own what their options write into (a shared_ptr to the command's settings), so an action must
// outlive the parse: it is moved out, kept, and only not called.
struct ActionOf : CLI::App {
  static std::function<void()>& of(CLI::App& app) { return app.*(&ActionOf::final_callback_); }
};

// Takes the action out of every subcommand, at every depth (`mlp plot history`), into `kept`.
void disarm(CLI::App& app, std::vector<std::function<void()>>& kept) {
  for (CLI::App* sub : app.get_subcommands(std::function<bool(CLI::App*)>())) {
    kept.push_back(std::move(ActionOf::of(*sub)));
    ActionOf::of(*sub) = nullptr;
    disarm(*sub, kept);
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
  std::vector<std::function<void()>> actions;
  disarm(app, actions);
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
    mlp::cli::did_you_mean(app, std::vector<std::string>(words.begin() + 1, words.end()));
  } catch (const mlp::cli::UsageError&) {
  } catch (const mlp::Error&) {
  }
  return 0;
}
