#include "shared/interrupt.hpp"

#include <csignal>

namespace mlp::cli {

namespace {

volatile std::sig_atomic_t requested = 0;

extern "C" void on_interrupt(int) {
  requested = 1;
}

}  // namespace

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // the second Ctrl-C gets the default action
  sigaction(SIGINT, &action, nullptr);
}

bool interrupt_requested() {
  return requested != 0;
}

}  // namespace mlp::cli
