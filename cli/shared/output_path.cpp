#include "shared/output_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "mlp/core/error.hpp"
#include "shared/usage_error.hpp"

namespace mlp::cli {

namespace {

namespace fs = std::filesystem;

// The long names of the options that name files the command writes.
constexpr std::array<const char*, 7> kOutputFlags = {"output", "history", "csv",       "runs",
                                                     "svg",    "save",    "checkpoint"};

bool is_standard_output(const std::string& path) {
  return path == "-" || path == "/dev/stdout";
}

// From now on standard output carries the output named by `flag`: what the command prints for
// a person goes to standard error (glibc's stdout is an assignable FILE*).
void claim_standard_output(const std::string& flag) {
  static std::string owner;
  if (!owner.empty() && owner != flag)
    throw UsageError(flag + " and " + owner +
                     " both write to standard output: name a file for one of them");
  if (owner.empty()) {
    std::fflush(stdout);
    stdout = stderr;
  }
  owner = flag;
}

std::string option_name(const CLI::Option& option) {
  if (!option.get_lnames().empty()) return "--" + option.get_lnames().front();
  if (!option.get_snames().empty()) return "-" + option.get_snames().front();
  return option.get_name();
}

void check_command(const CLI::App& command) {
  for (const CLI::Option* output : command.get_options()) {
    const auto& names = output->get_lnames();
    const bool is_output =
        std::any_of(kOutputFlags.begin(), kOutputFlags.end(), [&](const char* flag) {
          return std::find(names.begin(), names.end(), flag) != names.end();
        });
    if (!is_output || output->count() == 0) continue;
    for (const std::string& written : output->results()) {
      std::error_code ec;
      if (is_standard_output(written) || !fs::exists(written, ec)) continue;
      for (const CLI::Option* input : command.get_options()) {
        if (input == output) continue;
        for (const std::string& read : input->results())
          if (fs::equivalent(written, read, ec))
            throw UsageError(option_name(*output) + " " + written + ": is also " +
                             option_name(*input) +
                             ", an input of this command: writing it would destroy it; name "
                             "another output file");
      }
    }
  }
  for (const CLI::App* sub : command.get_subcommands()) check_command(*sub);
}

}  // namespace

void check_writable(const std::string& path, const std::string& flag) {
  if (path.empty()) return;
  if (is_standard_output(path)) return claim_standard_output(flag);
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(flag + " " + path + ": is a folder, not a file name");
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode)) {
    // A FIFO, a terminal or another device: written through, never replaced.
    if (S_ISBLK(info.st_mode)) throw Error(flag + " " + path + ": is a block device; name a file");
    if (::access(path.c_str(), W_OK) != 0)
      throw Error(flag + " " + path + ": cannot write: " + std::strerror(errno));
    return;
  }
  fs::path target = fs::is_symlink(path, ec) ? fs::weakly_canonical(path, ec) : fs::path(path);
  fs::path folder = target.parent_path();
  if (folder.empty()) folder = ".";
  if (!fs::is_directory(folder, ec))
    throw Error(flag + " " + path + ": the folder " + folder.string() + " does not exist");
  if (::access(folder.c_str(), W_OK) != 0)
    throw Error(flag + " " + path + ": cannot write in " + folder.string() + ": " +
                std::strerror(errno));
}

void check_outputs_are_not_inputs(const CLI::App& app) {
  for (const CLI::App* command : app.get_subcommands()) check_command(*command);
}

}  // namespace mlp::cli
