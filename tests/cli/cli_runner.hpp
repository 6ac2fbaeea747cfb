// Runs the real `mlp` binary for end-to-end tests and captures its exit code and output.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/files.hpp"

namespace mlp::test {

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs a shell command line, stdin from /dev/null unless the line redirects it, and captures its
// exit code (128 + the signal when killed), output and errors.
inline RunResult run_command(const std::string& line) {
  TempDir dir;
  std::string command = "(";
  // Appended piece by piece: GCC 12 at -O1 warns (wrongly) about chains of string temporaries.
  for (const std::string& piece : {line, std::string(") </dev/null >'"), dir / "out",
                                   std::string("' 2>'"), dir / "err", std::string("'")})
    command += piece;
  const int status = std::system(command.c_str());
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(dir / "out");
  result.err = read_file(dir / "err");
  return result;
}

// Runs `mlp ARGS` through the shell (ARGS is shell syntax), stdin from `stdin_file` when given.
inline RunResult run_mlp(const std::string& args, const std::string& stdin_file = "/dev/null") {
  std::string line = "'";
  for (const std::string& piece : {std::string(MLP_CLI_PATH), std::string("' "), args,
                                   std::string(" <'"), stdin_file, std::string("'")})
    line += piece;
  return run_command(line);
}

// How many entries the folder holds.
inline std::size_t files_in(const std::filesystem::path& folder) {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(folder), {}));
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace mlp::test
