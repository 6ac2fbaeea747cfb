// Standard input from a pipe, for the tests of the readers' "-" (standard input) path.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <thread>

namespace mlp::test {

// Runs `read` with standard input (descriptor 0) reading `text` from a pipe, written by a thread
// (a pipe holds 64 KiB: the reader must read while the writer writes); returns what `read`
// returns. Standard input is restored afterwards, also when `read` throws.
template <class Read>
auto with_stdin_pipe(const std::string& text, Read&& read) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("with_stdin_pipe: pipe() failed");
  std::thread writer([&text, fd = fds[1]] {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  struct Restore {
    int saved;
    std::thread& writer;
    ~Restore() {
      ::dup2(saved, STDIN_FILENO);
      ::close(saved);
      writer.join();
    }
  } restore{::dup(STDIN_FILENO), writer};
  ::dup2(fds[0], STDIN_FILENO);
  ::close(fds[0]);
  return read();
}

}  // namespace mlp::test
