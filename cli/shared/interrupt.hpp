// SIGINT (Ctrl-C) and SIGTERM during training.
//
// The first one asks training to stop cleanly: the command then saves the model it has (the best
// so far) and says so. The same signal sent both to the process and to its process group (as
// `timeout -s INT` and some terminals do) arrives twice within microseconds: a second signal
// within kSameInterruptSeconds counts as the same interrupt. A second interrupt after that and
// within kAbortWindowSeconds aborts at once without writing (an output being written is
// removed); a later one repeats the first's message and opens the window again.
#pragma once

namespace mlp::cli {

constexpr double kSameInterruptSeconds = 0.25;
constexpr double kAbortWindowSeconds = 2.0;

// Installs the handler for SIGINT and SIGTERM.
void install_interrupt_handler();

// Whether an interrupt asked training to stop.
bool interrupt_requested();

}  // namespace mlp::cli
