#include "shared/interrupt.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include "mlp/core/atomic_file.hpp"

namespace mlp::cli {

namespace {

volatile std::sig_atomic_t requested = 0;
double window_start = 0;  // seconds (monotonic) of the interrupt that opened the abort window

double now_seconds() {
  struct timespec now {};
  ::clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

// write(2) of a constant text: the only output a signal handler may do.
void say(const char* text) {
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

const char* signal_name(int signal) {
  return signal == SIGTERM ? "SIGTERM" : "SIGINT";
}

extern "C" void on_interrupt(int signal) {
  const int saved_errno = errno;
  const double now = now_seconds();
  const double since = now - window_start;
  if (requested != 0 && since < kSameInterruptSeconds) return;  // one signal, delivered twice
  if (requested != 0 && since <= kAbortWindowSeconds) {
    remove_unfinished_temporary_file();
    say("\nmlp: second interrupt: aborting without writing the model\n");
    ::_exit(128 + signal);
  }
  requested = 1;
  window_start = now;
  say("\nmlp: interrupted (");
  say(signal_name(signal));
  say("): stopping training and saving the model trained so far; interrupt again within 2 seconds "
      "to abort without saving\n");
  errno = saved_errno;
}

}  // namespace

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGINT);  // one handler at a time
  sigaddset(&action.sa_mask, SIGTERM);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupt_requested() {
  return requested != 0;
}

}  // namespace mlp::cli
